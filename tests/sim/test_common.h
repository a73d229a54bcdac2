// Shared helpers of the simulator's C++ tests: PASS/FAIL reporting, test frames, tshark.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace t {

inline int g_pass = 0, g_fail = 0;

inline void report(bool ok, const std::string& name, const std::string& detail) {
    std::printf("%s %s: %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
    std::fflush(stdout);
    (ok ? g_pass : g_fail)++;
}

inline int summary() {
    std::printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}

// Collects the first failure of a test case.
struct Check {
    std::string err;
    bool operator()(bool cond, const std::string& what) {
        if (!cond && err.empty()) err = what;
        return cond;
    }
    bool ok() const { return err.empty(); }
};

inline std::string str(uint64_t v) { return std::to_string(v); }

using Bytes = std::vector<uint8_t>;

// A valid Ethernet II / IPv4 / UDP frame (dst port 20035, UDP checksum 0) with `payload` random bytes.
inline Bytes udp_frame(size_t payload, uint64_t seed, int dir = 0) {
    std::mt19937_64 r(seed);
    Bytes f(42 + payload);
    const uint8_t mac0[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01}, mac1[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x02};
    std::memcpy(f.data(), dir ? mac0 : mac1, 6);
    std::memcpy(f.data() + 6, dir ? mac1 : mac0, 6);
    f[12] = 0x08; f[13] = 0x00;
    uint8_t* ip = f.data() + 14;
    const size_t tot = 20 + 8 + payload;
    ip[0] = 0x45; ip[1] = 0; ip[2] = uint8_t(tot >> 8); ip[3] = uint8_t(tot);
    ip[4] = uint8_t(seed >> 8); ip[5] = uint8_t(seed); ip[6] = 0x40; ip[7] = 0; ip[8] = 64; ip[9] = 17;
    ip[10] = ip[11] = 0;
    const uint8_t a0[4] = {10, 0, 0, 1}, a1[4] = {10, 0, 0, 2};
    std::memcpy(ip + 12, dir ? a1 : a0, 4);
    std::memcpy(ip + 16, dir ? a0 : a1, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += uint32_t(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    ip[10] = uint8_t(~sum >> 8); ip[11] = uint8_t(~sum);
    uint8_t* u = ip + 20;
    const uint16_t sport = uint16_t(49152 + (seed % 16000));
    const size_t ul = 8 + payload;
    u[0] = uint8_t(sport >> 8); u[1] = uint8_t(sport); u[2] = 0x4E; u[3] = 0x43;
    u[4] = uint8_t(ul >> 8); u[5] = uint8_t(ul); u[6] = u[7] = 0;
    for (size_t i = 0; i < payload; i++) u[8 + i] = uint8_t(r());
    return f;
}

struct TsharkResult {
    bool ran = false;
    int frames = 0, bad = 0;
    std::string first_problem;
};

// Decodes a pcap with tshark (UDP port 20035 as plain data) and counts frames that are not clean
// Ethernet/IPv4/UDP with a good IPv4 checksum, no malformed mark and no expert error.
inline TsharkResult tshark_check(const std::string& pcap) {
    TsharkResult res;
    const std::string cmd = "tshark -r '" + pcap + "' -o ip.check_checksum:TRUE -d udp.port==20035,data "
                            "-T fields -E separator=/t -e frame.number -e frame.protocols -e ip.checksum.status "
                            "-e _ws.malformed -e _ws.expert.severity 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return res;
    char line[4096];
    while (std::fgets(line, sizeof line, p)) {
        std::string l(line);
        while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
        std::vector<std::string> f;
        size_t a = 0;
        for (;;) {
            size_t b = l.find('\t', a);
            f.push_back(l.substr(a, b == std::string::npos ? std::string::npos : b - a));
            if (b == std::string::npos) break;
            a = b + 1;
        }
        while (f.size() < 5) f.push_back("");
        res.frames++;
        bool sev_error = false;
        for (size_t i = 0, j; i < f[4].size(); i = j + 1) {
            j = f[4].find(',', i);
            if (j == std::string::npos) j = f[4].size();
            if (std::strtoul(f[4].substr(i, j - i).c_str(), nullptr, 10) >= 0x00800000) sev_error = true;
        }
        const bool clean = f[1].rfind("eth:ethertype:ip:udp", 0) == 0 && f[2] == "1" && f[3].empty() && !sev_error;
        if (!clean) {
            res.bad++;
            if (res.first_problem.empty()) res.first_problem = l;
        }
    }
    res.ran = pclose(p) == 0;
    return res;
}

inline Bytes read_file(const std::string& path) {
    Bytes b;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return b;
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) b.insert(b.end(), buf, buf + n);
    std::fclose(f);
    return b;
}

// Records of a nanosecond pcap: (timestamp ns, frame bytes).
struct PcapRec { uint64_t ns; Bytes bytes; };
inline bool read_pcap(const std::string& path, std::vector<PcapRec>& out) {
    Bytes b = read_file(path);
    if (b.size() < 24) return false;
    uint32_t magic;
    std::memcpy(&magic, b.data(), 4);
    if (magic != 0xA1B23C4Du) return false;
    size_t o = 24;
    while (o + 16 <= b.size()) {
        uint32_t sec, nsec, incl, orig;
        std::memcpy(&sec, &b[o], 4); std::memcpy(&nsec, &b[o + 4], 4);
        std::memcpy(&incl, &b[o + 8], 4); std::memcpy(&orig, &b[o + 12], 4);
        o += 16;
        if (o + incl > b.size()) return false;
        out.push_back({uint64_t(sec) * 1000000000ull + nsec, Bytes(b.begin() + long(o), b.begin() + long(o + incl))});
        o += incl;
    }
    return o == b.size();
}

}  // namespace t
