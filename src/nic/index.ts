/**
 * The virtual NICs frames arrive on: receive-side scaling (rss.ts), which
 * files each frame on an RX queue as the hardware's Toeplitz hash does.
 *
 * May import: errors, uapi.
 */
