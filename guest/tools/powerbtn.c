/*
 * powerbtn: the test guest's answer to the power button (what systemd-logind
 * or acpid do on a distribution). Waits on every /dev/input/event* for
 * KEY_POWER pressed, then prints "GUEST power button" and powers off.
 * `vmm stop` presses the button through a PL061 GPIO and gpio-keys.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	struct pollfd pfd[16];
	unsigned int n = 0, i;
	struct dirent *e;
	DIR *d = opendir("/dev/input");

	while (d && (e = readdir(d)) != NULL && n < 16) {
		char path[300];

		if (strncmp(e->d_name, "event", 5))
			continue;
		snprintf(path, sizeof(path), "/dev/input/%s", e->d_name);
		pfd[n].fd = open(path, O_RDONLY | O_CLOEXEC);
		pfd[n].events = POLLIN;
		if (pfd[n].fd >= 0)
			n++;
	}
	if (d)
		closedir(d);
	if (!n) {
		fprintf(stderr, "powerbtn: no input devices\n");
		return 1;
	}
	for (;;) {
		if (poll(pfd, n, -1) < 0)
			continue;
		for (i = 0; i < n; i++) {
			struct input_event ev;

			if (!(pfd[i].revents & POLLIN) || read(pfd[i].fd, &ev, sizeof(ev)) != sizeof(ev))
				continue;
			if (ev.type == EV_KEY && ev.code == KEY_POWER && ev.value == 1) {
				printf("GUEST power button\n");
				fflush(stdout);
				sync();
				reboot(RB_POWER_OFF);
			}
		}
	}
}
