/*
 * serial8250.c - polled driver for the COM1 UART (see serial8250.h).
 * Register offsets from the port base: 0 data (or divisor low with DLAB),
 * 1 interrupt enable (or divisor high), 2 FIFO control, 3 line control,
 * 4 modem control, 5 line status.
 */
#include "serial8250.h"

#include "arch/x86_64/cpu.h"

#define COM1     0x3f8
#define REG_DATA 0
#define REG_IER  1
#define REG_FCR  2
#define REG_LCR  3
#define REG_MCR  4
#define REG_LSR  5

#define LCR_DLAB       0x80
#define LCR_8N1        0x03
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20
#define MCR_LOOPBACK   0x10

/* Enough for a byte at 115200 baud many times over; a UART that stays busy
 * longer is taken as gone. */
#define TX_SPIN_LIMIT 1000000

static bool present;

bool serial8250_init(void)
{
	outb(COM1 + REG_IER, 0x00);     /* no interrupts: we poll */
	outb(COM1 + REG_LCR, LCR_DLAB); /* divisor follows */
	outb(COM1 + REG_DATA, 1);       /* 115200 / 1 = 115200 baud */
	outb(COM1 + REG_IER, 0);
	outb(COM1 + REG_LCR, LCR_8N1); /* 8N1, divisor latch off */
	outb(COM1 + REG_FCR, 0xc7);    /* FIFOs on, cleared, 14-byte trigger */
	outb(COM1 + REG_MCR, MCR_LOOPBACK | 0x0e);
	/* In loopback mode what we send comes straight back: if it does not,
	 * there is no UART at this port (reading a missing port gives 0xff). */
	outb(COM1 + REG_DATA, 0xae);
	present = inb(COM1 + REG_DATA) == 0xae;
	outb(COM1 + REG_MCR, 0x0f); /* normal mode, DTR, RTS, OUT1, OUT2 */
	return present;
}

bool serial8250_present(void)
{
	return present;
}

static void put_byte(char c)
{
	for (int spins = 0; !(inb(COM1 + REG_LSR) & LSR_THR_EMPTY); spins++) {
		if (spins == TX_SPIN_LIMIT) {
			present = false;
			return;
		}
	}
	outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial8250_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len && present; i++) {
		if (s[i] == '\n')
			put_byte('\r');
		put_byte(s[i]);
	}
}

int serial8250_read_byte(void)
{
	if (!present || !(inb(COM1 + REG_LSR) & LSR_DATA_READY))
		return -1;
	return inb(COM1 + REG_DATA);
}
