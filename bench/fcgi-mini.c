/*
 * Reference FastCGI responder for the list benchmark: the bytes of one file,
 * read once at start, served from memory as application/json to every request.
 *
 *	fcgi-mini -s SOCKET -f FILE [-n PROCESSES]
 *
 * Binds SOCKET itself and preforks PROCESSES (default 2) single-threaded
 * workers, like agentd-fcgi. SIGTERM stops it and its workers.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#define MAX_WORKERS	64

static pid_t			 workers[MAX_WORKERS];
static int			 nworkers;
static volatile sig_atomic_t	 stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static char *
slurp(const char *path, size_t *len)
{
	struct stat	 st;
	char		*buf;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		perror(path);
		exit(1);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		exit(1);
	while (off < (size_t)st.st_size &&
	    (n = read(fd, buf + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	*len = off;
	return (buf);
}

static void
serve(int sock, const char *body, size_t len)
{
	FCGX_Request	r;
	char		hdr[256];
	int		n;

	FCGX_InitRequest(&r, sock, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		n = snprintf(hdr, sizeof hdr, "Status: 200 OK\r\n"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n"
		    "Cache-Control: no-store\r\n\r\n", len);
		FCGX_PutStr(hdr, n, r.out);
		FCGX_PutStr(body, (int)len, r.out);
		FCGX_Finish_r(&r);
	}
	_exit(0);
}

static pid_t
spawn(int sock, const char *body, size_t len)
{
	pid_t	pid = fork();

	if (pid == -1) {
		perror("fcgi-mini: fork");
		exit(1);
	}
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		serve(sock, body, len);
	}
	return (pid);
}

int
main(int argc, char **argv)
{
	struct sigaction	 sa;
	const char		*sockpath = NULL, *file = NULL;
	char			*body;
	size_t			 len;
	int			 c, i, sock, status;
	pid_t			 pid;

	nworkers = 2;
	while ((c = getopt(argc, argv, "f:n:s:")) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'n':
			nworkers = atoi(optarg);
			break;
		case 's':
			sockpath = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (sockpath == NULL || file == NULL || nworkers < 1 || nworkers > MAX_WORKERS)
		goto usage;

	body = slurp(file, &len);
	if (FCGX_Init() != 0) {
		fprintf(stderr, "fcgi-mini: FCGX_Init failed\n");
		return (1);
	}
	unlink(sockpath);
	if ((sock = FCGX_OpenSocket(sockpath, 128)) == -1) {
		fprintf(stderr, "fcgi-mini: cannot bind %s\n", sockpath);
		return (1);
	}
	chmod(sockpath, 0600);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (i = 0; i < nworkers; i++)
		workers[i] = spawn(sock, body, len);
	while (!stop) {
		pid = wait(&status);
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < nworkers; i++)
			if (workers[i] == pid && !stop)
				workers[i] = spawn(sock, body, len);
	}
	for (i = 0; i < nworkers; i++)
		kill(workers[i], SIGTERM);
	while (wait(&status) > 0 || errno == EINTR)
		;
	unlink(sockpath);
	return (0);
usage:
	fprintf(stderr, "usage: fcgi-mini -s SOCKET -f FILE [-n PROCESSES]\n");
	return (2);
}
