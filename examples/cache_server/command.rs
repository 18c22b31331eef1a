//! The commands: parsed from a request's arguments with Redis's checks and
//! error texts, then run against the store.

use std::time::Duration;

/// A command with its arguments checked.
#[derive(Debug, PartialEq)]
pub enum Command {
    Ping(Option<Vec<u8>>),
    Echo(Vec<u8>),
    Get(Vec<u8>),
    Set {
        key: Vec<u8>,
        value: Vec<u8>,
        ttl: Option<Duration>,
    },
    Del(Vec<Vec<u8>>),
    Exists(Vec<Vec<u8>>),
    Expire {
        key: Vec<u8>,
        seconds: i64,
    },
    Ttl(Vec<u8>),
    DbSize,
    Publish {
        channel: Vec<u8>,
        message: Vec<u8>,
    },
    Subscribe(Vec<Vec<u8>>),
    Unsubscribe(Vec<Vec<u8>>),
    Info(Option<Vec<u8>>),
    /// `CONFIG GET parameter`: `redis-benchmark` asks for `save` and
    /// `appendonly` before it starts; this server persists nothing.
    ConfigGet(Vec<u8>),
    Quit,
}

/// Why a request is not a command; the text is the RESP error, as Redis
/// words it.
#[derive(Debug, PartialEq)]
pub struct Refusal(pub String);

impl Command {
    /// The command in `args` (the first is its name, any case).
    pub fn parse(args: Vec<Vec<u8>>) -> Result<Command, Refusal> {
        let mut args = args.into_iter();
        let given = args.next().unwrap_or_default();
        let name = given.to_ascii_lowercase();
        let args: Vec<Vec<u8>> = args.collect();
        let arity = |ok: bool| {
            if ok {
                Ok(())
            } else {
                Err(Refusal(format!(
                    "ERR wrong number of arguments for '{}' command",
                    String::from_utf8_lossy(&name)
                )))
            }
        };
        let mut it = args.into_iter();
        let n = it.len();
        let mut next = || it.next().unwrap_or_default();
        Ok(match name.as_slice() {
            b"ping" => {
                arity(n <= 1)?;
                Command::Ping((n == 1).then(&mut next))
            }
            b"echo" => {
                arity(n == 1)?;
                Command::Echo(next())
            }
            b"get" => {
                arity(n == 1)?;
                Command::Get(next())
            }
            b"set" => {
                arity(n >= 2)?;
                let (key, value) = (next(), next());
                let ttl = set_options(&mut std::iter::from_fn(|| it.next()))?;
                Command::Set { key, value, ttl }
            }
            b"del" => {
                arity(n >= 1)?;
                Command::Del(it.collect())
            }
            b"exists" => {
                arity(n >= 1)?;
                Command::Exists(it.collect())
            }
            b"expire" => {
                arity(n >= 2)?;
                let (key, seconds) = (next(), integer(&next())?);
                if let Some(option) = it.next() {
                    return Err(Refusal(format!(
                        "ERR Unsupported option {}",
                        String::from_utf8_lossy(&option)
                    )));
                }
                Command::Expire { key, seconds }
            }
            b"ttl" => {
                arity(n == 1)?;
                Command::Ttl(next())
            }
            b"dbsize" => {
                arity(n == 0)?;
                Command::DbSize
            }
            b"publish" => {
                arity(n == 2)?;
                let channel = next();
                Command::Publish { channel, message: next() }
            }
            b"subscribe" => {
                arity(n >= 1)?;
                Command::Subscribe(it.collect())
            }
            b"unsubscribe" => Command::Unsubscribe(it.collect()),
            b"info" => {
                arity(n <= 1)?;
                Command::Info((n == 1).then(&mut next))
            }
            b"config" if n == 2 && next().eq_ignore_ascii_case(b"get") => {
                Command::ConfigGet(next())
            }
            b"quit" => Command::Quit,
            _ => {
                let mut text = format!(
                    "ERR unknown command '{}', with args beginning with: ",
                    String::from_utf8_lossy(&given)
                );
                for arg in it.take(8) {
                    text.push_str(&format!("'{}' ", String::from_utf8_lossy(&arg)));
                }
                return Err(Refusal(text));
            }
        })
    }

    /// Whether a connection in subscribe mode may run it (RESP2 allows
    /// only these there).
    pub fn allowed_while_subscribed(&self) -> bool {
        matches!(
            self,
            Command::Subscribe(_) | Command::Unsubscribe(_) | Command::Ping(_) | Command::Quit
        )
    }

    /// The command's name, for error texts.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Ping(_) => "ping",
            Command::Echo(_) => "echo",
            Command::Get(_) => "get",
            Command::Set { .. } => "set",
            Command::Del(_) => "del",
            Command::Exists(_) => "exists",
            Command::Expire { .. } => "expire",
            Command::Ttl(_) => "ttl",
            Command::DbSize => "dbsize",
            Command::Publish { .. } => "publish",
            Command::Subscribe(_) => "subscribe",
            Command::Unsubscribe(_) => "unsubscribe",
            Command::Info(_) => "info",
            Command::ConfigGet(_) => "config",
            Command::Quit => "quit",
        }
    }
}

/// `EX seconds` or `PX milliseconds` (one of them, once); anything else is
/// a syntax error, as in Redis for the options this server does not have.
fn set_options(options: &mut impl Iterator<Item = Vec<u8>>) -> Result<Option<Duration>, Refusal> {
    let mut ttl = None;
    while let Some(option) = options.next() {
        let unit = match option.to_ascii_uppercase().as_slice() {
            b"EX" => Duration::from_secs(1),
            b"PX" => Duration::from_millis(1),
            _ => return Err(syntax()),
        };
        if ttl.is_some() {
            return Err(syntax());
        }
        let amount = integer(&options.next().ok_or_else(syntax)?)?;
        let Some(amount) = u32::try_from(amount).ok().filter(|&a| a > 0) else {
            return Err(Refusal("ERR invalid expire time in 'set' command".into()));
        };
        ttl = Some(unit * amount);
    }
    Ok(ttl)
}

fn syntax() -> Refusal {
    Refusal("ERR syntax error".into())
}

fn integer(arg: &[u8]) -> Result<i64, Refusal> {
    std::str::from_utf8(arg)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Refusal("ERR value is not an integer or out of range".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &str) -> Result<Command, Refusal> {
        Command::parse(words.split(' ').map(|w| w.as_bytes().to_vec()).collect())
    }

    #[test]
    fn set_options_as_redis_checks_them() {
        let set = |ttl| Command::Set { key: b"k".to_vec(), value: b"v".to_vec(), ttl };
        assert_eq!(parse("SET k v"), Ok(set(None)));
        assert_eq!(parse("set k v ex 10"), Ok(set(Some(Duration::from_secs(10)))));
        assert_eq!(parse("SET k v PX 50"), Ok(set(Some(Duration::from_millis(50)))));
        assert_eq!(parse("SET k v EX 1 PX 5"), Err(syntax()));
        assert_eq!(parse("SET k v NX"), Err(syntax()));
        assert_eq!(parse("SET k v EX"), Err(syntax()));
        assert_eq!(
            parse("SET k v EX ten"),
            Err(Refusal("ERR value is not an integer or out of range".into()))
        );
        assert_eq!(
            parse("SET k v EX 0"),
            Err(Refusal("ERR invalid expire time in 'set' command".into()))
        );
        assert_eq!(
            parse("SET k"),
            Err(Refusal("ERR wrong number of arguments for 'set' command".into()))
        );
    }

    #[test]
    fn unknown_commands_and_arity() {
        assert_eq!(
            parse("FLUSHALL x"),
            Err(Refusal("ERR unknown command 'FLUSHALL', with args beginning with: 'x' ".into()))
        );
        assert_eq!(
            parse("GET"),
            Err(Refusal("ERR wrong number of arguments for 'get' command".into()))
        );
        assert_eq!(parse("DBSIZE"), Ok(Command::DbSize));
        assert_eq!(parse("CONFIG GET save"), Ok(Command::ConfigGet(b"save".to_vec())));
        assert!(parse("CONFIG SET save x").is_err());
        assert_eq!(parse("EXPIRE k -1"), Ok(Command::Expire { key: b"k".to_vec(), seconds: -1 }));
        assert!(parse("EXPIRE k 1 NX").is_err());
    }
}
