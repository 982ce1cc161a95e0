/**
 * XDP's own structures: `struct xdp_buff` and `struct xdp_md` over the flat
 * memory, the frame arena where frames are run in place with the kernel's
 * headroom and tailroom, and XDP's constants.
 *
 * May import: errors, uapi, vm, maps.
 */
