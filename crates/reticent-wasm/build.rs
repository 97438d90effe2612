//! Gives the wasm32 *test* binaries a larger stack.
//!
//! The browser tests decode batches with `Batch::decode`, whose serde
//! recursion at the default depth limit needs more than wasm32's default 1 MiB
//! stack in an unoptimised build (the core documents 8 MiB as
//! `DECODE_STACK_MIB`; decoding is the collector's job, not the page's). The
//! library and the cdylib shipped to pages keep the default stack.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        // 8 MiB: `DECODE_STACK_MIB` (about 3 MiB measured unoptimised).
        println!("cargo:rustc-link-arg-tests=-zstack-size=8388608");
    }
}
