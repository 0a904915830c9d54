// @palisade/engine: the Calico policy language (model, parsing, validation, selectors), evaluation
// with an explain trace, and compilation to nftables. It depends on nothing but ipaddr.js and yaml
// and uses no Node built-ins, so the console, the gateway, the workflows and the agents all run
// the same code. The language arrives with the engine issues; this file is its public surface.
export {};
