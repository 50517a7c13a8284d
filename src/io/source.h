/* A byte source: a file or stdin, decompressed on the fly (zstd, gzip; detected by magic bytes).
 * Concatenated zstd frames and gzip members are read in sequence; zero padding after the last gzip
 * member is skipped. */
#ifndef EP_IO_SOURCE_H
#define EP_IO_SOURCE_H

#include <stdint.h>
#include <stdio.h>

#include "entroprof/common.h"
#include "entroprof/reader.h"

typedef struct ep_source_s ep_source;

ep_status ep_source_open(ep_source **out, const char *path, ep_error *err);
/** Reads up to cap decoded bytes. @return bytes (> 0), 0 at a clean end, -1 on error (err set:
 *  truncated or corrupt stream with the compressed byte offset, or a read error). */
ptrdiff_t ep_source_read(ep_source *s, char *buf, size_t cap, ep_error *err);
ep_compression ep_source_compression(const ep_source *s);
uint64_t ep_source_raw_offset(const ep_source *s); /* raw bytes consumed so far */
/** Zero bytes met after the last complete gzip member (padding: skipped and counted, as gzip(1)
 *  accepts it; a non-zero byte after them is a corrupt stream). */
uint64_t ep_source_zero_padding(const ep_source *s);
void ep_source_close(ep_source *s);

#endif
