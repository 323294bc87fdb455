// The floor of the footprint benchmark: the least a prober can do. One raw ICMP socket per
// target (as Junction opens them), bound to interface wanI for target I, one echo every
// INTERVAL_MS from a timerfd each, one epoll for all, replies read as they come; nothing
// else (no timeout, no statistics, no allocation). What it costs is what 40 probes a second
// cost in the namespace lab, where an echo's round trip through the veth pair and the ISP's
// namespace runs inside the sender's sendto(), charged to the sender.
#include <arpa/inet.h>
#include <netinet/ip_icmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: prober INTERVAL_MS SECONDS TARGET...\n"); return 2; }
    int interval = atoi(argv[1]), seconds = atoi(argv[2]), n = argc - 3;
    int ep = epoll_create1(0);
    int sock[64], timer[64]; struct sockaddr_in to[64]; unsigned short seq[64] = {0};
    for (int i = 0; i < n && i < 64; i++) {
        sock[i] = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
        if (sock[i] < 0) { perror("socket"); return 1; }
        char dev[16]; snprintf(dev, sizeof dev, "wan%d", i + 1);
        if (setsockopt(sock[i], SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev)) < 0) { perror("bind to device"); return 1; }
        memset(&to[i], 0, sizeof to[i]); to[i].sin_family = AF_INET; inet_pton(AF_INET, argv[3 + i], &to[i].sin_addr);
        timer[i] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
        struct itimerspec its = { .it_interval = { interval / 1000, (interval % 1000) * 1000000L },
                                  .it_value = { 0, 1000000L * (1 + i * interval / n) } };
        timerfd_settime(timer[i], 0, &its, NULL);
        struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };
        epoll_ctl(ep, EPOLL_CTL_ADD, timer[i], &e);
        e.data.u32 = 1000 + i;
        epoll_ctl(ep, EPOLL_CTL_ADD, sock[i], &e);
    }
    time_t end = time(NULL) + seconds; long sent = 0, got = 0;
    while (time(NULL) < end) {
        struct epoll_event ev[16];
        int k = epoll_wait(ep, ev, 16, 1000);
        for (int j = 0; j < k; j++) {
            unsigned id = ev[j].data.u32; char buf[256];
            if (id < 1000) {
                unsigned long long x; read(timer[id], &x, sizeof x);
                struct icmphdr h = { .type = ICMP_ECHO }; h.un.echo.id = htons(4242 + id); h.un.echo.sequence = htons(++seq[id]);
                unsigned sum = 0; unsigned short *w = (unsigned short *)&h;
                for (unsigned q = 0; q < sizeof h / 2; q++) sum += w[q];
                sum = (sum >> 16) + (sum & 0xffff); sum += sum >> 16; h.checksum = ~sum;
                if (sendto(sock[id], &h, sizeof h, 0, (struct sockaddr *)&to[id], sizeof to[id]) > 0) sent++;
            } else {
                while (recv(sock[id - 1000], buf, sizeof buf, 0) > 0) got++;
            }
        }
    }
    printf("sent %ld, answered %ld\n", sent, got);
    return 0;
}
