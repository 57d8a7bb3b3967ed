// SPDX-License-Identifier: GPL-2.0-only
/* The host's KVM mode from kernel command line and kernel log text. */
#include <stdio.h>
#include <string.h>

#include "arm64/host_mode.h"

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Parameter names compare with '-' and '_' equal, as the kernel's parameq(). */
static bool param_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return false;
	for (i = 0; i < alen; i++) {
		char x = a[i] == '_' ? '-' : a[i];
		char y = b[i] == '_' ? '-' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

static enum host_mode cmdline_mode(const char *v)
{
	if (!strcmp(v, "nvhe"))
		return HOST_MODE_NVHE;
	if (!strcmp(v, "protected"))
		return HOST_MODE_PROTECTED;
	if (!strcmp(v, "none"))
		return HOST_MODE_NONE;
	if (!strcmp(v, "nested"))
		return HOST_MODE_VHE;
	return HOST_MODE_UNKNOWN;
}

void host_cmdline_parse(struct host_cmdline *c, const char *text)
{
	const char *p = text;

	memset(c, 0, sizeof(*c));
	c->mode = HOST_MODE_UNKNOWN;
	if (!p)
		return;
	for (;;) {
		const char *start, *name, *val = NULL;
		size_t len, name_len, val_len = 0;
		bool in_quote = false, quoted = false;

		while (is_space(*p))
			p++;
		if (!*p)
			break;
		/* One argument, the way the kernel's next_arg() splits it. */
		start = p;
		if (*p == '"') {
			p++;
			start = p;
			in_quote = quoted = true;
		}
		for (; *p; p++) {
			if (is_space(*p) && !in_quote)
				break;
			if (!val && *p == '=')
				val = p + 1;
			if (*p == '"')
				in_quote = !in_quote;
		}
		len = (size_t)(p - start);
		name = start;
		if (val) {
			name_len = (size_t)(val - 1 - start);
			val_len = (size_t)(p - val);
			if (val_len && *val == '"') {
				val++;
				val_len--;
				if (val_len && val[val_len - 1] == '"')
					val_len--;
			} else if (quoted && val_len && val[val_len - 1] == '"') {
				val_len--;
			}
		} else {
			name_len = len;
			if (quoted && name_len && name[name_len - 1] == '"')
				name_len--;
			/* Everything after a bare "--" is init's. */
			if (!quoted && name_len == 2 && !strncmp(name, "--", 2))
				break;
		}
		if (val && param_eq(name, name_len, "kvm-arm.mode")) {
			if (val_len >= sizeof(c->value))
				val_len = sizeof(c->value) - 1;
			memcpy(c->value, val, val_len);
			c->value[val_len] = '\0';
			snprintf(c->param, sizeof(c->param), "%.*s=%s", (int)name_len, name,
				 c->value);
			c->found = true;
			c->mode = cmdline_mode(c->value);
		}
	}
}

void host_log_init(struct host_log *l)
{
	memset(l, 0, sizeof(*l));
	l->mode = HOST_MODE_UNKNOWN;
	l->el = HOST_EL_UNKNOWN;
}

/* memmem for a NUL-terminated needle. */
static const char *find(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	if (n > len)
		return NULL;
	return memmem(hay, len, needle, n);
}

static void keep_line(char *dst, const char *from, const char *end)
{
	size_t n = (size_t)(end - from);

	while (n && (from[n - 1] == '\n' || from[n - 1] == '\r'))
		n--;
	if (n >= HOST_MODE_LINE_MAX)
		n = HOST_MODE_LINE_MAX - 1;
	memcpy(dst, from, n);
	dst[n] = '\0';
}

static const struct {
	const char *text;
	enum host_mode mode;
} mode_lines[] = {
	/* Most specific first: "Protected nVHE mode" also holds "VHE mode". */
	{ "Protected nVHE mode initialized successfully", HOST_MODE_PROTECTED },
	{ "Protected hVHE mode initialized successfully", HOST_MODE_PROTECTED },
	{ "Hyp nVHE mode initialized successfully", HOST_MODE_NVHE },
	{ "Hyp hVHE mode initialized successfully", HOST_MODE_NVHE },
	{ "Hyp mode initialized successfully", HOST_MODE_NVHE },
	{ "VHE mode initialized successfully", HOST_MODE_VHE },
	{ "KVM disabled from command line", HOST_MODE_NONE },
	{ "HYP mode not available", HOST_MODE_NONE },
	{ "error initializing Hyp mode", HOST_MODE_NONE },
};

void host_log_scan_line(struct host_log *l, const char *line, size_t len)
{
	const char *end = line + len, *k, *msg;
	unsigned int i;

	l->lines++;
	k = find(line, len, "kvm [");
	if (k) {
		/* Only KVM's own message, after "kvm [PID]: ". */
		msg = memchr(k, ']', (size_t)(end - k));
		msg = msg ? msg + 1 : k;
		for (i = 0; i < sizeof(mode_lines) / sizeof(mode_lines[0]); i++) {
			const char *t = find(msg, (size_t)(end - msg), mode_lines[i].text);

			/* "VHE mode" must not be the tail of "nVHE"/"hVHE mode". */
			if (t && t > msg && mode_lines[i].mode == HOST_MODE_VHE && t[-1] != ' ')
				continue;
			if (t) {
				l->mode = mode_lines[i].mode;
				keep_line(l->mode_line, k, end);
				return;
			}
		}
		return;
	}
	k = find(line, len, "All CPU(s) started at EL");
	if (k) {
		const char *d = k + strlen("All CPU(s) started at EL");

		if (d < end && (*d == '1' || *d == '2')) {
			l->el = *d == '2' ? HOST_EL_EL2 : HOST_EL_EL1;
			k = find(line, len, "CPU: ");
			keep_line(l->el_line, k ? k : line, end);
		}
		return;
	}
	k = find(line, len, "CPUs started in inconsistent modes");
	if (k) {
		l->el = HOST_EL_MIXED;
		keep_line(l->el_line, find(line, len, "CPU: ") ?: k, end);
	}
}

void host_log_scan(struct host_log *l, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;

		host_log_scan_line(l, p, (size_t)(e - p));
		p = nl ? nl + 1 : end;
	}
}

void host_mode_decide(struct host_mode_answer *a, const struct host_cmdline *cmdline,
		      const struct host_log *log)
{
	memset(a, 0, sizeof(*a));
	a->mode = HOST_MODE_UNKNOWN;
	a->source = HOST_MODE_SRC_NONE;
	if (log && log->mode != HOST_MODE_UNKNOWN) {
		a->mode = log->mode;
		a->source = HOST_MODE_SRC_LOG;
		a->evidence = log->mode_line;
		a->conflict = cmdline && cmdline->found && cmdline->mode != HOST_MODE_UNKNOWN &&
			      cmdline->mode != log->mode;
		return;
	}
	if (cmdline && cmdline->found && cmdline->mode != HOST_MODE_UNKNOWN) {
		a->mode = cmdline->mode;
		a->source = HOST_MODE_SRC_CMDLINE;
		a->evidence = cmdline->param;
		return;
	}
	if (log && log->el == HOST_EL_EL1) {
		a->mode = HOST_MODE_NONE;
		a->source = HOST_MODE_SRC_LOG;
		a->evidence = log->el_line;
	}
}

const char *host_mode_name(enum host_mode m)
{
	switch (m) {
	case HOST_MODE_VHE:
		return "VHE";
	case HOST_MODE_NVHE:
		return "nVHE";
	case HOST_MODE_PROTECTED:
		return "protected";
	case HOST_MODE_NONE:
		return "none";
	case HOST_MODE_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *host_mode_source_name(enum host_mode_source s)
{
	switch (s) {
	case HOST_MODE_SRC_CMDLINE:
		return "kernel command line";
	case HOST_MODE_SRC_LOG:
		return "kernel log";
	case HOST_MODE_SRC_NONE:
		break;
	}
	return "none";
}
