/* mm_error.c - English names for enum mm_error, for log and panic messages. */
#include "mm_types.h"

const char *mm_strerror(enum mm_error err)
{
	switch (err) {
	case MM_OK: return "ok";
	case MM_ERR_INVALID: return "invalid argument";
	case MM_ERR_MISALIGNED: return "misaligned";
	case MM_ERR_NON_CANONICAL: return "non-canonical address";
	case MM_ERR_ALREADY_MAPPED: return "already mapped";
	case MM_ERR_NOT_MAPPED: return "not mapped";
	case MM_ERR_NO_MEMORY: return "out of memory";
	case MM_ERR_TABLE_FULL: return "table full";
	case MM_ERR_OVERLAP: return "overlapping range";
	case MM_ERR_DOUBLE_FREE: return "double free";
	case MM_ERR_NOT_OWNED: return "not allocated by this allocator";
	case MM_ERR_WRONG_ORDER: return "wrong order";
	case MM_ERR_RESERVED: return "reserved frame";
	case MM_ERR_HUGE_PAGE: return "large page in the way";
	case MM_ERR_UNSUPPORTED: return "unsupported";
	case MM_ERR_REFUSED: return "refused";
	case MM_ERR_WRONG_STAGE: return "wrong MM stage";
	case MM_ERR_USE_AFTER_FREE: return "use after free";
	}
	return "unknown error";
}
