use leakproof::prelude::*;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, LinkedList, VecDeque};
use std::rc::Rc;
use std::sync::RwLock;

// One error per field, all in one build.
#[lifecycle]
struct Everything {
    a: VecDeque<u8>,
    b: HashMap<u8, u8>,
    c: BTreeMap<u8, u8>,
    d: BTreeSet<u8>,
    e: BinaryHeap<u8>,
    f: LinkedList<u8>,
    g: Option<Box<Vec<u8>>>,
    h: Rc<RefCell<Vec<u8>>>,
    i: RwLock<Vec<u8>>,
}

fn main() {}
