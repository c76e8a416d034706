#pragma once

// Pure classification of IP addresses for the SSRF guard: everything that is
// not ordinary globally routable unicast is refused as a webhook target.

#include <string_view>

#include "webhook/ip_address.hpp"

namespace postwork::webhook {

enum class AddressClass {
  kPublic,
  kUnspecified,     // 0.0.0.0, ::
  kThisNetwork,     // 0.0.0.0/8 other than 0.0.0.0 (Linux routes these to the local host)
  kLoopback,        // 127.0.0.0/8, ::1
  kPrivate,         // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10, 64:ff9b:1::/48
  kCarrierGradeNat, // 100.64.0.0/10
  kLinkLocal,       // 169.254.0.0/16 (cloud metadata lives here), fe80::/10
  kMulticast,       // 224.0.0.0/4, ff00::/8
  kBroadcast,       // 255.255.255.255
  kReserved,        // 240/4, IETF/documentation/benchmark blocks, IPv6 outside 2000::/3
  kIpv4Mapped,      // ::ffff:a.b.c.d and the SIIT form ::ffff:0:a.b.c.d
  kIpv4Compatible,  // ::a.b.c.d (deprecated)
};

// Total over all addresses. IPv6 forms that embed an IPv4 address used for
// real routing (NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32) take the
// class of the embedded address, so 64:ff9b::7f00:1 is loopback. Mapped and
// compatible forms are refused outright: no public DNS name should resolve to
// them, and some stacks connect to the embedded IPv4 address.
AddressClass Classify(const IpAddress& address);

inline bool IsPublic(const IpAddress& address) { return Classify(address) == AddressClass::kPublic; }

std::string_view ToString(AddressClass address_class);

}  // namespace postwork::webhook
