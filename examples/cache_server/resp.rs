//! RESP2, the Redis wire protocol: requests in (multibulk arrays, as the
//! standard clients send them, and inline commands, as a person types them
//! into `nc`), replies out.
//!
//! The parser never allocates for a length a client merely claims: it looks
//! for a whole frame in what has arrived, and copies the arguments out only
//! once the frame is complete. Limits are Redis's, where they bound memory:
//! at most 1,048,576 arguments, at most 512 MiB per argument, 64 KiB per
//! inline line.

/// What the front of the read buffer holds.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// Not a whole request yet: read more.
    Incomplete,
    /// A whole request of `len` bytes. An empty `args` (`*0`, a blank line)
    /// is no command and gets no reply, as in Redis.
    Request { args: Vec<Vec<u8>>, len: usize },
    /// The bytes cannot be a request; Redis replies with this and closes.
    Invalid(String),
}

const MAX_ARGS: i64 = 1024 * 1024;
const MAX_BULK: i64 = 512 * 1024 * 1024;
const MAX_INLINE: usize = 64 * 1024;

/// Parses the request at the front of `buf`.
pub fn parse(buf: &[u8]) -> Frame {
    match buf.first() {
        None => Frame::Incomplete,
        Some(b'*') => multibulk(buf),
        Some(_) => inline(buf),
    }
}

/// The line starting at `from` (without its `\r\n`) and where the next
/// begins, or `None` while its end has not arrived.
fn line(buf: &[u8], from: usize) -> Option<(&[u8], usize)> {
    let end = buf[from..].windows(2).position(|w| w == b"\r\n")? + from;
    Some((&buf[from..end], end + 2))
}

fn number(digits: &[u8]) -> Option<i64> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn multibulk(buf: &[u8]) -> Frame {
    let Some((header, mut at)) = line(buf, 1) else {
        return too_long(buf, "multibulk length");
    };
    let count = match number(header) {
        Some(n) if n <= MAX_ARGS => n,
        _ => return Frame::Invalid("invalid multibulk length".into()),
    };
    if count <= 0 {
        return Frame::Request { args: Vec::new(), len: at };
    }
    // Find the whole frame before copying anything out of it.
    let mut spans = Vec::with_capacity(count.min(64) as usize);
    for _ in 0..count {
        match buf.get(at) {
            None => return Frame::Incomplete,
            Some(b'$') => {}
            Some(&other) => {
                return Frame::Invalid(format!("expected '$', got '{}'", char::from(other)));
            }
        }
        let Some((digits, start)) = line(buf, at + 1) else {
            return too_long(&buf[at..], "bulk length");
        };
        let len = match number(digits) {
            Some(n) if (0..=MAX_BULK).contains(&n) => n as usize,
            _ => return Frame::Invalid("invalid bulk length".into()),
        };
        let end = start + len;
        if buf.len() < end + 2 {
            return Frame::Incomplete;
        }
        if &buf[end..end + 2] != b"\r\n" {
            return Frame::Invalid("bulk string not terminated by CRLF".into());
        }
        spans.push(start..end);
        at = end + 2;
    }
    let args = spans.into_iter().map(|span| buf[span].to_vec()).collect();
    Frame::Request { args, len: at }
}

/// A header line that has not ended yet: wait for it, unless it is already
/// longer than any valid one.
fn too_long(rest: &[u8], what: &str) -> Frame {
    if rest.len() > 32 { Frame::Invalid(format!("too big {what}")) } else { Frame::Incomplete }
}

/// `PING`, `SET k v`: space-separated words ending in `\n` or `\r\n`, with
/// double quotes around a word that holds spaces.
fn inline(buf: &[u8]) -> Frame {
    let Some(end) = buf.iter().position(|&b| b == b'\n') else {
        return if buf.len() > MAX_INLINE {
            Frame::Invalid("too big inline request".into())
        } else {
            Frame::Incomplete
        };
    };
    let text = buf[..end].strip_suffix(b"\r").unwrap_or(&buf[..end]);
    match words(text) {
        Some(args) => Frame::Request { args, len: end + 1 },
        None => Frame::Invalid("unbalanced quotes in request".into()),
    }
}

fn words(text: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_ascii_start();
        match rest.first() {
            None => return Some(args),
            Some(b'"') => {
                let close = rest[1..].iter().position(|&b| b == b'"')? + 1;
                args.push(rest[1..close].to_vec());
                rest = &rest[close + 1..];
            }
            Some(_) => {
                let end = rest.iter().position(u8::is_ascii_whitespace).unwrap_or(rest.len());
                args.push(rest[..end].to_vec());
                rest = &rest[end..];
            }
        }
    }
}

/// Reply encoders, appending to a connection's output buffer.
pub mod reply {
    /// `+OK`
    pub fn simple(out: &mut Vec<u8>, text: &str) {
        out.push(b'+');
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    /// `-ERR ...`: `text` starts with the error's kind (`ERR`, `WRONGTYPE`).
    pub fn error(out: &mut Vec<u8>, text: &str) {
        out.push(b'-');
        // A reply line cannot hold a line break.
        out.extend(text.bytes().map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }));
        out.extend_from_slice(b"\r\n");
    }

    /// `:42`
    pub fn integer(out: &mut Vec<u8>, n: i64) {
        out.push(b':');
        out.extend_from_slice(n.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    /// `$3\r\nabc`, or the nil bulk `$-1`.
    pub fn bulk(out: &mut Vec<u8>, value: Option<&[u8]>) {
        match value {
            None => out.extend_from_slice(b"$-1\r\n"),
            Some(value) => {
                out.push(b'$');
                out.extend_from_slice(value.len().to_string().as_bytes());
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(value);
                out.extend_from_slice(b"\r\n");
            }
        }
    }

    /// `*n`, the header of an array of `n` replies that follow.
    pub fn array(out: &mut Vec<u8>, n: usize) {
        out.push(b'*');
        out.extend_from_slice(n.to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    /// A pub/sub push: `message`, `subscribe` or `unsubscribe` with its
    /// channel and a last element (the payload or a count).
    pub fn push(out: &mut Vec<u8>, kind: &str, channel: Option<&[u8]>, last: Last<'_>) {
        array(out, 3);
        bulk(out, Some(kind.as_bytes()));
        bulk(out, channel);
        match last {
            Last::Bulk(payload) => bulk(out, Some(payload)),
            Last::Count(n) => integer(out, n as i64),
        }
    }

    /// The third element of a pub/sub push.
    pub enum Last<'a> {
        Bulk(&'a [u8]),
        Count(usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(args: &[&str], len: usize) -> Frame {
        Frame::Request { args: args.iter().map(|a| a.as_bytes().to_vec()).collect(), len }
    }

    #[test]
    fn multibulk_whole_partial_and_pipelined() {
        let set = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n";
        assert_eq!(parse(set), request(&["SET", "k", "vv"], set.len()));
        for cut in 0..set.len() {
            assert_eq!(parse(&set[..cut]), Frame::Incomplete, "cut at {cut}");
        }
        let mut two = set.to_vec();
        two.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(parse(&two), request(&["SET", "k", "vv"], set.len()));
        assert_eq!(parse(&two[set.len()..]), request(&["PING"], 14));
        assert_eq!(parse(b"*0\r\n"), request(&[], 4));
    }

    #[test]
    fn inline_commands_and_quotes() {
        assert_eq!(parse(b"PING\r\n"), request(&["PING"], 6));
        assert_eq!(parse(b"  set  k \"a b\"\n"), request(&["set", "k", "a b"], 15));
        assert_eq!(parse(b"\r\n"), request(&[], 2));
        assert_eq!(parse(b"GET k"), Frame::Incomplete);
        assert!(matches!(parse(b"ECHO \"open\r\n"), Frame::Invalid(_)));
    }

    #[test]
    fn malformed_frames_are_invalid_not_a_panic_or_an_allocation() {
        for bad in [
            &b"*x\r\n"[..],
            b"*2\r\n+OK\r\n",
            b"*1\r\n$-5\r\n",
            b"*1\r\n$999999999999\r\n",
            b"*1\r\n$1\r\nab\r\n",
            b"*99999999\r\n",
        ] {
            assert!(matches!(parse(bad), Frame::Invalid(_)), "{:?}", String::from_utf8_lossy(bad));
        }
        // A claimed 512 MiB argument is waited for, not allocated.
        assert_eq!(parse(b"*1\r\n$536870912\r\nabc"), Frame::Incomplete);
        assert!(matches!(parse(&[b'*'; 40]), Frame::Invalid(_)));
        assert!(matches!(parse(&vec![b'a'; MAX_INLINE + 1]), Frame::Invalid(_)));
    }

    #[test]
    fn replies_encode_as_redis_does() {
        let mut out = Vec::new();
        reply::simple(&mut out, "OK");
        reply::error(&mut out, "ERR bad\r\nline");
        reply::integer(&mut out, -2);
        reply::bulk(&mut out, None);
        reply::push(&mut out, "message", Some(b"keep"), reply::Last::Bulk(b"hi"));
        assert_eq!(
            out,
            b"+OK\r\n-ERR bad  line\r\n:-2\r\n$-1\r\n*3\r\n$7\r\nmessage\r\n$4\r\nkeep\r\n$2\r\nhi\r\n"
        );
    }
}
