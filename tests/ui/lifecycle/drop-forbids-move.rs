use leakproof::prelude::*;

// A generated `Drop` (drop = "warn" or "shutdown") forbids moving fields out.
#[lifecycle(drop = "warn")]
struct Chat {
    #[subscription]
    on_message: Subscription,
    name: String,
}

fn main() {
    let chat = Chat { on_message: Subscription::ended(), name: "lobby".into() };
    let Chat { name, .. } = chat;
    println!("{name}");
}
