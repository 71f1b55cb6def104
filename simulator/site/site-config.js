// Runs in: the simulator's service page (classic script). `cargo xtask run`
// overwrites this file with the options and web-content apps given on its
// command line; this one sets nothing, so the page's defaults apply.
globalThis.WWE_SIM_CONFIG = {};
