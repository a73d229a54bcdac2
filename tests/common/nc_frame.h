// NetChannel frames in C++ for the test harnesses: build one from its variable fields (every computed field —
// lengths, IPv4 checksum, ICRC trailer — filled in as the NIC's builder does), or repair those fields after a
// change. Offsets come from the generated nc_spec.h; the CRC is the bit-serial reference, independent of the
// RTL's matrices.
#pragma once

#include "nc_spec.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ncframe {

using Bytes = std::vector<uint8_t>;

inline void put_be(uint8_t* p, int n, uint64_t v) {
    for (int i = n - 1; i >= 0; i--) { p[i] = uint8_t(v); v >>= 8; }
}
inline uint64_t get_be(const uint8_t* p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

inline uint32_t crc32(const uint8_t* p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

struct Fields {
    uint64_t dst_mac = 0, src_mac = 0;
    uint8_t tos = 0, ttl = 64;
    uint16_t ip_id = 0;
    uint32_t src_ip = 0, dst_ip = 0;
    uint16_t udp_src = 49152;
    uint8_t opcode = NC_CTH_OPCODE_DATA, flags = 0;
    uint16_t dst_chan = 0, src_chan = 0;
    uint32_t psn = 0, ack_psn = 0;
    uint64_t sack = 0;
    uint32_t credit = 0;
    uint16_t nc_src = 0, nc_dst = 0;
    uint32_t seq = 0, grant = 0;
    uint8_t msg_type = NC_NC_TYPE_NONE;
};

// The IPv4 header checksum over a frame's header (recomputed in place).
inline void fix_ip_checksum(Bytes& f) {
    if (f.size() < NC_OFF_IPV4 + 20) return;
    uint8_t* ip = f.data() + NC_OFF_IPV4;
    put_be(ip + NC_IPV4_CHECKSUM_OFF, 2, 0);
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2) s += uint32_t(ip[i] << 8 | ip[i + 1]);
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    put_be(ip + NC_IPV4_CHECKSUM_OFF, 2, uint16_t(~s));
}

// The ICRC trailer (the frame's last NC_ICRC_BYTES) over bytes [NC_ICRC_START, end - trailer), in place.
inline void seal_icrc(Bytes& f) {
    if (f.size() < size_t(NC_ICRC_START + NC_ICRC_BYTES)) return;
    const uint32_t c = crc32(f.data() + NC_ICRC_START, f.size() - NC_ICRC_BYTES - NC_ICRC_START);
    for (size_t i = 0; i < NC_ICRC_BYTES; i++) f[f.size() - NC_ICRC_BYTES + i] = uint8_t(c >> (8 * i));
}

// Every length field from the frame's size (payload = size - headers - trailer), then checksum and ICRC.
inline void fix_lengths(Bytes& f) {
    if (f.size() < size_t(NC_FRAME_HDR_BYTES + NC_ICRC_BYTES)) return;
    const size_t len = f.size() - NC_FRAME_HDR_BYTES - NC_ICRC_BYTES;
    put_be(f.data() + NC_OFF_IPV4 + NC_IPV4_TOTAL_LEN_OFF, 2, f.size() - NC_ETH_BYTES);
    put_be(f.data() + NC_OFF_UDP + NC_UDP_LENGTH_OFF, 2, f.size() - NC_ETH_BYTES - 20);
    put_be(f.data() + NC_OFF_NC + NC_NC_LEN_OFF, 2, len);
    fix_ip_checksum(f);
    seal_icrc(f);
}

// A complete frame: headers, `len` payload bytes, ICRC trailer.
inline Bytes build(const Fields& h, const uint8_t* payload, size_t len) {
    Bytes f(NC_FRAME_HDR_BYTES + len + NC_ICRC_BYTES, 0);
    uint8_t* e = f.data();
    put_be(e + NC_ETH_DST_OFF, 6, h.dst_mac);
    put_be(e + NC_ETH_SRC_OFF, 6, h.src_mac);
    put_be(e + NC_ETH_ETHERTYPE_OFF, 2, NC_ETHERTYPE_IPV4);
    uint8_t* ip = e + NC_OFF_IPV4;
    ip[0] = 0x45;
    ip[NC_IPV4_TOS_OFF] = h.tos;
    put_be(ip + NC_IPV4_ID_OFF, 2, h.ip_id);
    put_be(ip + 6, 2, 0x4000);   // DF, fragment offset 0
    ip[NC_IPV4_TTL_OFF] = h.ttl;
    ip[NC_IPV4_PROTOCOL_OFF] = NC_IPV4_PROTO_UDP;
    put_be(ip + NC_IPV4_SRC_OFF, 4, h.src_ip);
    put_be(ip + NC_IPV4_DST_OFF, 4, h.dst_ip);
    uint8_t* udp = e + NC_OFF_UDP;
    put_be(udp + NC_UDP_SRC_PORT_OFF, 2, h.udp_src);
    put_be(udp + NC_UDP_DST_PORT_OFF, 2, NC_UDP_PORT);
    uint8_t* cth = e + NC_OFF_CTH;
    cth[NC_CTH_VERSION_OFF] = NC_CTH_VERSION;
    cth[NC_CTH_OPCODE_OFF] = h.opcode;
    cth[NC_CTH_FLAGS_OFF] = h.flags;
    put_be(cth + NC_CTH_DST_CHAN_OFF, 2, h.dst_chan);
    put_be(cth + NC_CTH_SRC_CHAN_OFF, 2, h.src_chan);
    put_be(cth + NC_CTH_PSN_OFF, 4, h.psn);
    put_be(cth + NC_CTH_ACK_PSN_OFF, 4, h.ack_psn);
    put_be(cth + NC_CTH_SACK_OFF, 8, h.sack);
    put_be(cth + NC_CTH_CREDIT_OFF, 4, h.credit);
    uint8_t* nc = e + NC_OFF_NC;
    put_be(nc + NC_NC_SRC_PORT_OFF, 2, h.nc_src);
    put_be(nc + NC_NC_DST_PORT_OFF, 2, h.nc_dst);
    put_be(nc + NC_NC_SEQ_OFF, 4, h.seq);
    put_be(nc + NC_NC_GRANT_OFF, 4, h.grant);
    nc[NC_NC_DOFF_VER_OFF] = NC_NC_DOFF_VER;
    nc[NC_NC_MSG_TYPE_OFF] = h.msg_type;
    if (len) std::memcpy(e + NC_FRAME_HDR_BYTES, payload, len);
    fix_lengths(f);
    return f;
}

}  // namespace ncframe
