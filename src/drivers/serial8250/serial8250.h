/*
 * serial8250.h - the 8250/16550 UART at COM1, polled: 115200 baud, 8 data
 * bits, no parity, 1 stop bit, FIFOs on. Every loop that waits on the UART
 * is bounded, so a machine without a UART boots on silently, never hangs.
 */
#ifndef SERIAL8250_H
#define SERIAL8250_H

#include <stdbool.h>
#include <stddef.h>

/* Program COM1 and check it answers (a loopback test). Returns whether a
 * UART is there; without one, the other functions do nothing. */
bool serial8250_init(void);

/* Whether serial8250_init found a working UART. */
bool serial8250_present(void);

/* Send bytes; "\n" goes out as "\r\n" for terminals. */
void serial8250_write(const char *s, size_t len);

/* Read one byte if one has arrived: returns -1 when none is waiting. */
int serial8250_read_byte(void);

#endif /* SERIAL8250_H */
