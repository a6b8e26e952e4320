/*
 * crc32.h - CRC-32 as used by zlib, gzip, PNG and Ethernet
 * (CRC-32/ISO-HDLC: reflected polynomial 0xEDB88320, initial value and final
 * xor 0xFFFFFFFF). The kernel prints the CRC of each boot module and checks
 * it again later, to catch memory management that scribbled over a module.
 * The check value: crc32("123456789", 9) == 0xCBF43926.
 */
#ifndef CRC32_H
#define CRC32_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32 of len bytes at data. Returns the CRC; 0 for len == 0. */
uint32_t crc32(const void *data, size_t len);

/* Continue a CRC over more data: crc is the value returned for the bytes so
 * far (start with 0, the CRC of nothing). Returns the CRC of everything.
 * crc32_update(crc32(a, n), b, m) equals the CRC of a followed by b. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

#endif /* CRC32_H */
