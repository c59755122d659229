//! `cfg(browser)`: the crate is built for a web page (`wasm32-unknown-unknown`), where the
//! modules run on the page's WebAssembly engine instead of wasmtime.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(browser)");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if arch == "wasm32" && os == "unknown" {
        println!("cargo::rustc-cfg=browser");
    }
}
