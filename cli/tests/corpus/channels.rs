// unbounded-channel: constructors of channels whose queue nothing caps.
use std::sync::mpsc;
use tokio::sync::mpsc as tokio_mpsc;

pub fn wire() {
    let (tx, rx) = mpsc::channel::<u64>(); // expect: unbounded-channel
    let (utx, urx) = tokio::sync::mpsc::unbounded_channel::<u64>(); // expect: unbounded-channel
    let (ctx, crx) = crossbeam_channel::unbounded::<u64>(); // expect: unbounded-channel
    let (ftx, frx) = flume::unbounded::<u64>(); // expect: unbounded-channel
    let (atx, arx) = async_channel::unbounded::<u64>(); // expect: unbounded-channel
    let (gtx, grx) = futures::channel::mpsc::unbounded::<u64>(); // expect: unbounded-channel
    drop((tx, rx, utx, urx, ctx, crx, ftx, frx, atx, arx, gtx, grx));
}

pub fn imported() {
    use tokio::sync::mpsc::unbounded_channel;
    let (tx, rx) = unbounded_channel::<String>(); // expect: unbounded-channel
    drop((tx, rx));
}

// Look-alikes: every one of these has a capacity.
pub fn bounded() {
    let (tx, rx) = tokio_mpsc::channel::<u64>(16);
    let (stx, srx) = mpsc::sync_channel::<u64>(8);
    let (ftx, frx) = flume::bounded::<u64>(4);
    let (ctx, crx) = crossbeam_channel::bounded::<u64>(2);
    let (btx, brx) = tokio::sync::broadcast::channel::<u64>(32);
    drop((tx, rx, stx, srx, ftx, frx, ctx, crx, btx, brx));
}

pub fn std_alone() -> u64 {
    let (tx, rx) = std::sync::mpsc::channel(); // expect: unbounded-channel
    tx.send(1).ok();
    rx.recv().unwrap_or(0)
}
