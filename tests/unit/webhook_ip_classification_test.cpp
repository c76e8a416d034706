#include "webhook/ip_classification.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace postwork::webhook {
namespace {

struct Case {
  const char* address;
  AddressClass expected;
};

void ExpectAll(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    const auto ip = IpAddress::Parse(c.address);
    ASSERT_TRUE(ip) << c.address;
    EXPECT_EQ(ToString(Classify(*ip)), ToString(c.expected)) << c.address;
    EXPECT_EQ(IsPublic(*ip), c.expected == AddressClass::kPublic) << c.address;
  }
}

using AC = AddressClass;

// Each refused IPv4 range: first and last address inside, and the neighbours
// just outside (which must be public unless another range claims them).
TEST(WebhookIpClassification, Ipv4RangeBoundaries) {
  ExpectAll({
      {"0.0.0.0", AC::kUnspecified},
      {"0.0.0.1", AC::kThisNetwork},
      {"0.255.255.255", AC::kThisNetwork},
      {"1.0.0.0", AC::kPublic},

      {"9.255.255.255", AC::kPublic},
      {"10.0.0.0", AC::kPrivate},
      {"10.255.255.255", AC::kPrivate},
      {"11.0.0.0", AC::kPublic},

      {"100.63.255.255", AC::kPublic},
      {"100.64.0.0", AC::kCarrierGradeNat},
      {"100.127.255.255", AC::kCarrierGradeNat},
      {"100.128.0.0", AC::kPublic},

      {"126.255.255.255", AC::kPublic},
      {"127.0.0.0", AC::kLoopback},
      {"127.0.0.1", AC::kLoopback},
      {"127.255.255.255", AC::kLoopback},
      {"128.0.0.0", AC::kPublic},

      {"169.253.255.255", AC::kPublic},
      {"169.254.0.0", AC::kLinkLocal},
      {"169.254.169.254", AC::kLinkLocal},  // cloud metadata service
      {"169.254.255.255", AC::kLinkLocal},
      {"169.255.0.0", AC::kPublic},

      {"172.15.255.255", AC::kPublic},
      {"172.16.0.0", AC::kPrivate},
      {"172.31.255.255", AC::kPrivate},
      {"172.32.0.0", AC::kPublic},

      {"191.255.255.255", AC::kPublic},
      {"192.0.0.0", AC::kReserved},
      {"192.0.0.255", AC::kReserved},
      {"192.0.1.0", AC::kPublic},
      {"192.0.2.0", AC::kReserved},
      {"192.0.2.255", AC::kReserved},
      {"192.0.3.0", AC::kPublic},

      {"192.167.255.255", AC::kPublic},
      {"192.168.0.0", AC::kPrivate},
      {"192.168.255.255", AC::kPrivate},
      {"192.169.0.0", AC::kPublic},

      {"198.17.255.255", AC::kPublic},
      {"198.18.0.0", AC::kReserved},
      {"198.19.255.255", AC::kReserved},
      {"198.20.0.0", AC::kPublic},
      {"198.51.99.255", AC::kPublic},
      {"198.51.100.0", AC::kReserved},
      {"198.51.100.255", AC::kReserved},
      {"198.51.101.0", AC::kPublic},
      {"203.0.112.255", AC::kPublic},
      {"203.0.113.0", AC::kReserved},
      {"203.0.113.255", AC::kReserved},
      {"203.0.114.0", AC::kPublic},

      {"223.255.255.255", AC::kPublic},
      {"224.0.0.0", AC::kMulticast},
      {"239.255.255.255", AC::kMulticast},
      {"240.0.0.0", AC::kReserved},
      {"255.255.255.254", AC::kReserved},
      {"255.255.255.255", AC::kBroadcast},
  });
}

TEST(WebhookIpClassification, Ipv4PublicExamples) {
  ExpectAll({
      {"8.8.8.8", AC::kPublic},
      {"1.1.1.1", AC::kPublic},
      {"93.184.216.34", AC::kPublic},
      {"192.88.99.1", AC::kPublic},
      {"151.101.1.69", AC::kPublic},
  });
}

TEST(WebhookIpClassification, Ipv6Specials) {
  ExpectAll({
      {"::", AC::kUnspecified},
      {"::1", AC::kLoopback},
      {"::2", AC::kIpv4Compatible},
      {"fc00::", AC::kPrivate},
      {"fd12:3456:789a::1", AC::kPrivate},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AC::kPrivate},
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AC::kReserved},  // outside 2000::/3
      {"fe80::", AC::kLinkLocal},
      {"fe80::1", AC::kLinkLocal},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AC::kLinkLocal},
      {"fec0::1", AC::kPrivate},
      {"feff::1", AC::kPrivate},
      {"ff00::", AC::kMulticast},
      {"ff02::1", AC::kMulticast},
      {"ff05::1:3", AC::kMulticast},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AC::kMulticast},
      {"100::1", AC::kReserved},
      {"100::ffff:ffff:ffff:ffff", AC::kReserved},
      {"2001:db8::1", AC::kReserved},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", AC::kReserved},
      {"2001:2::1", AC::kReserved},
      {"64:ff9b:1::1", AC::kPrivate},
      {"4000::1", AC::kReserved},
      {"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AC::kReserved},
  });
}

TEST(WebhookIpClassification, Ipv6PublicExamples) {
  ExpectAll({
      {"2000::", AC::kPublic},
      {"2001:4860:4860::8888", AC::kPublic},
      {"2606:4700:4700::1111", AC::kPublic},
      {"2a00:1450:4001:81c::200e", AC::kPublic},
      {"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AC::kPublic},
      {"2001:db9::1", AC::kPublic},
  });
}

TEST(WebhookIpClassification, Ipv4MappedAndCompatibleAreAlwaysRefused) {
  ExpectAll({
      {"::ffff:127.0.0.1", AC::kIpv4Mapped},
      {"::ffff:7f00:1", AC::kIpv4Mapped},
      {"::ffff:169.254.169.254", AC::kIpv4Mapped},
      {"::ffff:10.0.0.1", AC::kIpv4Mapped},
      {"::ffff:0.0.0.0", AC::kIpv4Mapped},
      {"::ffff:8.8.8.8", AC::kIpv4Mapped},  // even public: never a legitimate DNS answer
      {"::ffff:0:127.0.0.1", AC::kIpv4Mapped},  // SIIT translated form
      {"::ffff:0:8.8.8.8", AC::kIpv4Mapped},
      {"::127.0.0.1", AC::kIpv4Compatible},
      {"::8.8.8.8", AC::kIpv4Compatible},
      {"::169.254.169.254", AC::kIpv4Compatible},
      {"::ffff:ffff", AC::kIpv4Compatible},
  });
}

TEST(WebhookIpClassification, Nat64TakesEmbeddedClass) {
  ExpectAll({
      {"64:ff9b::127.0.0.1", AC::kLoopback},
      {"64:ff9b::7f00:1", AC::kLoopback},
      {"64:ff9b::10.1.2.3", AC::kPrivate},
      {"64:ff9b::169.254.169.254", AC::kLinkLocal},
      {"64:ff9b::100.64.0.1", AC::kCarrierGradeNat},
      {"64:ff9b::0.0.0.0", AC::kUnspecified},
      {"64:ff9b::255.255.255.255", AC::kBroadcast},
      {"64:ff9b::224.0.0.1", AC::kMulticast},
      {"64:ff9b::8.8.8.8", AC::kPublic},
      // Just outside the /96: not NAT64, and outside 2000::/3.
      {"64:ff9b:0:0:0:1::1", AC::kReserved},
  });
}

TEST(WebhookIpClassification, SixToFourTakesEmbeddedClass) {
  ExpectAll({
      {"2002:7f00:0001::", AC::kLoopback},
      {"2002:7f00:1::1", AC::kLoopback},
      {"2002:0a00:0001::1", AC::kPrivate},
      {"2002:c0a8:0101::1", AC::kPrivate},
      {"2002:a9fe:a9fe::1", AC::kLinkLocal},
      {"2002:6440:0001::1", AC::kCarrierGradeNat},
      {"2002:0000:0000::1", AC::kUnspecified},
      {"2002:e000:0001::1", AC::kMulticast},
      {"2002:f000:0001::1", AC::kReserved},
      {"2002:0808:0808::1", AC::kPublic},
  });
}

TEST(WebhookIpClassification, TeredoTakesClassOfObfuscatedClient) {
  // The client addresses in the comments were decoded independently with
  // Python's ipaddress.IPv6Address(...).teredo.
  ExpectAll({
      {"2001:0:4136:e378:8000:63bf:80ff:fffe", AC::kLoopback},   // 127.0.0.1
      {"2001:0:4136:e378:8000:63bf:f5ff:fffe", AC::kPrivate},    // 10.0.0.1
      {"2001:0:4136:e378:8000:63bf:5601:5601", AC::kLinkLocal},  // 169.254.169.254
      {"2001:0:4136:e378:8000:63bf:3fff:fdd2", AC::kReserved},   // 192.0.2.45
      {"2001:0:4136:e378:8000:63bf:f7f7:f7f7", AC::kPublic},     // 8.8.8.8
  });
}

}  // namespace
}  // namespace postwork::webhook
