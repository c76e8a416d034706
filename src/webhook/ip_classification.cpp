#include "webhook/ip_classification.hpp"

#include <cstdlib>
#include <vector>

namespace postwork::webhook {
namespace {

struct Range {
  Cidr block;
  AddressClass address_class;
};

Cidr Block(std::string_view text) {
  const std::optional<Cidr> cidr = Cidr::Parse(text);
  // The tables below are compile-time constants; a typo there is a bug that
  // must not silently open a hole.
  if (!cidr) std::abort();
  return *cidr;
}

// First match wins, so narrower blocks precede the wider ones containing them.
const std::vector<Range>& V4Ranges() {
  static const std::vector<Range> ranges = {
      {Block("0.0.0.0/32"), AddressClass::kUnspecified},
      {Block("0.0.0.0/8"), AddressClass::kThisNetwork},
      {Block("10.0.0.0/8"), AddressClass::kPrivate},
      {Block("100.64.0.0/10"), AddressClass::kCarrierGradeNat},
      {Block("127.0.0.0/8"), AddressClass::kLoopback},
      {Block("169.254.0.0/16"), AddressClass::kLinkLocal},
      {Block("172.16.0.0/12"), AddressClass::kPrivate},
      {Block("192.0.0.0/24"), AddressClass::kReserved},     // IETF protocol assignments
      {Block("192.0.2.0/24"), AddressClass::kReserved},     // TEST-NET-1
      {Block("192.168.0.0/16"), AddressClass::kPrivate},
      {Block("198.18.0.0/15"), AddressClass::kReserved},    // benchmarking
      {Block("198.51.100.0/24"), AddressClass::kReserved},  // TEST-NET-2
      {Block("203.0.113.0/24"), AddressClass::kReserved},   // TEST-NET-3
      {Block("224.0.0.0/4"), AddressClass::kMulticast},
      {Block("255.255.255.255/32"), AddressClass::kBroadcast},
      {Block("240.0.0.0/4"), AddressClass::kReserved},
  };
  return ranges;
}

const std::vector<Range>& V6Ranges() {
  static const std::vector<Range> ranges = {
      {Block("::/128"), AddressClass::kUnspecified},
      {Block("::1/128"), AddressClass::kLoopback},
      {Block("::ffff:0:0/96"), AddressClass::kIpv4Mapped},
      {Block("::ffff:0:0:0/96"), AddressClass::kIpv4Mapped},  // SIIT "IPv4-translated"
      {Block("::/96"), AddressClass::kIpv4Compatible},
      {Block("64:ff9b:1::/48"), AddressClass::kPrivate},      // local-use NAT64
      {Block("100::/64"), AddressClass::kReserved},           // discard-only
      {Block("2001:db8::/32"), AddressClass::kReserved},      // documentation
      {Block("2001:2::/48"), AddressClass::kReserved},        // benchmarking
      {Block("fc00::/7"), AddressClass::kPrivate},            // unique local
      {Block("fe80::/10"), AddressClass::kLinkLocal},
      {Block("fec0::/10"), AddressClass::kPrivate},           // deprecated site-local
      {Block("ff00::/8"), AddressClass::kMulticast},
  };
  return ranges;
}

const Cidr& Nat64() {
  static const Cidr block = Block("64:ff9b::/96");
  return block;
}
const Cidr& SixToFour() {
  static const Cidr block = Block("2002::/16");
  return block;
}
const Cidr& Teredo() {
  static const Cidr block = Block("2001::/32");
  return block;
}
const Cidr& GlobalUnicast() {
  static const Cidr block = Block("2000::/3");
  return block;
}

IpAddress EmbeddedV4(const IpAddress& v6, std::size_t offset, std::uint8_t xor_mask = 0) {
  return IpAddress::V4(v6.bytes[offset] ^ xor_mask, v6.bytes[offset + 1] ^ xor_mask,
                       v6.bytes[offset + 2] ^ xor_mask, v6.bytes[offset + 3] ^ xor_mask);
}

AddressClass ClassifyV4(const IpAddress& address) {
  for (const Range& range : V4Ranges()) {
    if (range.block.Contains(address)) return range.address_class;
  }
  return AddressClass::kPublic;
}

AddressClass ClassifyV6(const IpAddress& address) {
  for (const Range& range : V6Ranges()) {
    if (range.block.Contains(address)) return range.address_class;
  }
  if (Nat64().Contains(address)) return ClassifyV4(EmbeddedV4(address, 12));
  // Everything else outside 2000::/3 is unassigned by IANA.
  if (!GlobalUnicast().Contains(address)) return AddressClass::kReserved;
  if (SixToFour().Contains(address)) return ClassifyV4(EmbeddedV4(address, 2));
  // Teredo stores the client's public IPv4 address inverted in the last 32 bits.
  if (Teredo().Contains(address)) return ClassifyV4(EmbeddedV4(address, 12, 0xff));
  return AddressClass::kPublic;
}

}  // namespace

AddressClass Classify(const IpAddress& address) {
  return address.is_v4() ? ClassifyV4(address) : ClassifyV6(address);
}

std::string_view ToString(AddressClass address_class) {
  switch (address_class) {
    case AddressClass::kPublic: return "public";
    case AddressClass::kUnspecified: return "unspecified";
    case AddressClass::kThisNetwork: return "this-network";
    case AddressClass::kLoopback: return "loopback";
    case AddressClass::kPrivate: return "private";
    case AddressClass::kCarrierGradeNat: return "carrier-grade-nat";
    case AddressClass::kLinkLocal: return "link-local";
    case AddressClass::kMulticast: return "multicast";
    case AddressClass::kBroadcast: return "broadcast";
    case AddressClass::kReserved: return "reserved";
    case AddressClass::kIpv4Mapped: return "ipv4-mapped";
    case AddressClass::kIpv4Compatible: return "ipv4-compatible";
  }
  return "unknown";
}

}  // namespace postwork::webhook
