// xdp:* tracepoint lines as the 6.18 kernel prints them (the lines observed in XDP-FACTS 1.8).
import { describe, expect, it } from 'vitest';
import { xdpActionName, xdpBulkTx, xdpDevmapXmit, xdpException, xdpRedirect, REDIRECT_IFINDEX_MAP_ID } from '../../src/nic/trace.js';

describe('xdp tracepoint lines', () => {
  it('name the five actions and print any other value in hex', () => {
    expect([0, 1, 2, 3, 4, 5, 9, 0xffffffff].map(xdpActionName)).toEqual(['ABORTED', 'DROP', 'PASS', 'TX', 'REDIRECT', '0x5', '0x9', '0xffffffff']);
  });

  it('match the lines the kernel printed', () => {
    expect(xdpException(921, 0, 2)).toBe('prog_id=921 action=ABORTED ifindex=2');
    expect(xdpException(938, 9, 2)).toBe('prog_id=938 action=0x9 ifindex=2');
    expect(xdpBulkTx(2, 0, 1, -6)).toBe('ifindex=2 action=TX sent=0 drops=1 err=-6');
    expect(xdpRedirect(36298, 2, 3, 0, 57768, 0)).toBe('prog_id=36298 action=REDIRECT ifindex=2 to_ifindex=3 err=0 map_id=57768 map_index=0');
    expect(xdpDevmapXmit(2, 3, 1, 0, 0)).toBe('ndo_xdp_xmit from_ifindex=2 to_ifindex=3 action=REDIRECT sent=1 drops=0 err=0');
    expect(REDIRECT_IFINDEX_MAP_ID).toBe(2147483647);
  });
});
