// Link-layer header types as stored in capture files (LINKTYPE_* of
// libpcap's pcap/dlt.h and the tcpdump.org link-type registry).
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

// Names as libpcap gives them and tcpdump prints them ("link-type EN10MB"), for messages.
const NAMES: ReadonlyMap<number, string> = new Map([
  [LINKTYPE_NULL, 'NULL'],
  [LINKTYPE_ETHERNET, 'EN10MB'],
  [6, 'IEEE802'],
  [7, 'ARCNET'],
  [8, 'SLIP'],
  [9, 'PPP'],
  [10, 'FDDI'],
  [50, 'PPP_SERIAL'],
  [51, 'PPP_ETHER'],
  [LINKTYPE_RAW, 'RAW'],
  [104, 'C_HDLC'],
  [105, 'IEEE802_11'],
  [LINKTYPE_LOOP, 'LOOP'],
  [LINKTYPE_LINUX_SLL, 'LINUX_SLL'],
  [119, 'PRISM_HEADER'],
  [127, 'IEEE802_11_RADIO'],
  [143, 'DOCSIS'],
  [187, 'BLUETOOTH_HCI_H4'],
  [189, 'USB_LINUX'],
  [195, 'IEEE802_15_4'],
  [220, 'USB_LINUX_MMAPPED'],
  [LINKTYPE_IPV4, 'IPV4'],
  [LINKTYPE_IPV6, 'IPV6'],
  [239, 'NFLOG'],
  [249, 'USBPCAP'],
  [253, 'NETLINK'],
  [LINKTYPE_LINUX_SLL2, 'LINUX_SLL2'],
]);

/** "EN10MB", "LINUX_SLL", …; "unknown" for a value not in the table. */
export function linkTypeName(linkType: number): string {
  return NAMES.get(linkType) ?? 'unknown';
}
