#pragma once
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
/* sd_journal_print is variadic: Swift sees only this fixed-argument twin. */
static inline int csd_journal_message(int priority, const char *message) {
    return sd_journal_print(priority, "%s", message);
}
