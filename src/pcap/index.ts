/**
 * Captures: pcap and pcapng read and written, and captured packets of other
 * link types turned into Ethernet frames. Knows nothing of BPF.
 *
 * May import: errors, uapi.
 */
export { DEFAULT_BATCH_CAPACITY, PacketBatch } from './batch.js';
export { PcapError } from './error.js';
export { LinkTypeError, SYNTHETIC_DST_MAC, SYNTHETIC_SRC_MAC, toEthernet } from './ethernet.js';
export {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  linkTypeName,
} from './linktype.js';
export { MAX_SNAPLEN, type Capture, type CapturedPacket, type CaptureFormat, type CaptureInterface } from './packet.js';
export { MAX_BLOCK_LEN } from './pcapng.js';
export { readCapture } from './read.js';
export { CaptureReader, DEFAULT_CHUNK_SIZE, type CaptureReaderOptions } from './reader.js';
export { PcapFileWriter } from './file-writer.js';
export { PcapWriter, writePcap, type PcapRecord, type PcapWriterOptions } from './write.js';
