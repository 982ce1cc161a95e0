/**
 * The virtual NICs frames arrive on, as a library the CLI and the control
 * plane drive: devices and the namespace that holds them (device.ts,
 * topology.ts); receive-side scaling (rss.ts), which
 * files each frame on an RX queue as the hardware's Toeplitz hash does;
 * per-queue counters (counters.ts); the XDP programs attached to a device in
 * generic, native and offload mode and the kernel's rules for changing them
 * (attach.ts); the native-mode receive path of an RX queue, polled as a
 * driver's NAPI poll, acting on every verdict as veth does (rx.ts), fed
 * through the device's RSS (receive.ts); the generic-mode receive path, on the
 * socket buffer the core builds, sending through generic_xdp_tx (generic.ts);
 * what both share of redirects (redirect.ts) and of the cpumap kthreads
 * (cpumap.ts); what a device that is down does with frames (down.ts);
 * offload (offload.ts): the
 * checks an offloading NIC (nfp) makes of a program and its maps, its
 * driver's verifier hooks (nfp-verifier.ts), and the
 * receive path of a queue whose program runs on the NIC, handing the frames
 * it passes to the host's own path; with the
 * sinks frames leave by and the events it reports (sinks.ts) and the xdp:*
 * tracepoint lines (trace.ts).
 *
 * May import: errors, uapi, isa, vm, maps, xdp, helpers, verifier, engine.
 * Of verifier it uses only the offload hook seam (OffloadHooks), which
 * nfp-verifier.ts fills in as nfp's driver does.
 */
