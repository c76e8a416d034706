#include "webhook/ip_address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstring>

namespace postwork::webhook {
namespace {

TEST(WebhookIpAddress, ParsesBothFamilies) {
  const auto v4 = IpAddress::Parse("192.168.1.20");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(*v4, IpAddress::V4(192, 168, 1, 20));
  EXPECT_EQ(v4->ToString(), "192.168.1.20");
  EXPECT_EQ(v4->ToUrlHost(), "192.168.1.20");

  const auto v6 = IpAddress::Parse("2001:DB8::1");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->is_v4());
  EXPECT_EQ(v6->bytes[0], 0x20);
  EXPECT_EQ(v6->bytes[1], 0x01);
  EXPECT_EQ(v6->bytes[15], 0x01);
  EXPECT_EQ(v6->ToString(), "2001:db8::1");
  EXPECT_EQ(v6->ToUrlHost(), "[2001:db8::1]");
}

TEST(WebhookIpAddress, StrictParsingRejectsLegacyAndDecoratedForms) {
  // These are what getaddrinfo would accept; the strict parser must not, so
  // that allowlist entries mean exactly what they say.
  for (const char* text : {"", "2130706433", "0x7f.0.0.1", "0177.0.0.1", "127.1", "256.1.1.1",
                           "1.2.3", "[::1]", "fe80::1%eth0", "example.com", " 1.2.3.4",
                           "1.2.3.4 ", "::ffff:1.2.3.4.5"}) {
    EXPECT_FALSE(IpAddress::Parse(text)) << text;
  }
}

TEST(WebhookIpAddress, FromSockaddr) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ASSERT_EQ(inet_pton(AF_INET, "10.1.2.3", &v4.sin_addr), 1);
  const auto a = IpAddress::FromSockaddr(reinterpret_cast<const sockaddr*>(&v4));
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, IpAddress::V4(10, 1, 2, 3));

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "fe80::abcd", &v6.sin6_addr), 1);
  const auto b = IpAddress::FromSockaddr(reinterpret_cast<const sockaddr*>(&v6));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->ToString(), "fe80::abcd");

  sockaddr other{};
  other.sa_family = AF_UNIX;
  EXPECT_FALSE(IpAddress::FromSockaddr(&other));
  EXPECT_FALSE(IpAddress::FromSockaddr(nullptr));
}

TEST(WebhookCidr, ParsesBlocksAndSingleAddresses) {
  const auto block = Cidr::Parse("172.16.0.0/12");
  ASSERT_TRUE(block);
  EXPECT_EQ(block->prefix_length, 12);
  EXPECT_EQ(block->ToString(), "172.16.0.0/12");

  const auto host = Cidr::Parse("127.0.0.1");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->prefix_length, 32);

  const auto v6host = Cidr::Parse("::1");
  ASSERT_TRUE(v6host);
  EXPECT_EQ(v6host->prefix_length, 128);

  const auto all = Cidr::Parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->Contains(IpAddress::V4(8, 8, 8, 8)));
}

TEST(WebhookCidr, RejectsMalformedBlocks) {
  for (const char* text : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x",
                           "10.0.0.1/8", "fd00::1/8", "/8", "10.0.0.0/ 8", "example.com/8"}) {
    EXPECT_FALSE(Cidr::Parse(text)) << text;
  }
}

TEST(WebhookCidr, ContainsRespectsPrefixBoundaries) {
  const Cidr block = *Cidr::Parse("100.64.0.0/10");
  EXPECT_FALSE(block.Contains(IpAddress::V4(100, 63, 255, 255)));
  EXPECT_TRUE(block.Contains(IpAddress::V4(100, 64, 0, 0)));
  EXPECT_TRUE(block.Contains(IpAddress::V4(100, 127, 255, 255)));
  EXPECT_FALSE(block.Contains(IpAddress::V4(100, 128, 0, 0)));

  const Cidr v6 = *Cidr::Parse("fe80::/10");
  EXPECT_TRUE(v6.Contains(*IpAddress::Parse("febf:ffff::1")));
  EXPECT_FALSE(v6.Contains(*IpAddress::Parse("fec0::1")));
}

TEST(WebhookCidr, FamiliesNeverMatchEachOther) {
  const Cidr v4 = *Cidr::Parse("127.0.0.0/8");
  EXPECT_FALSE(v4.Contains(*IpAddress::Parse("::ffff:127.0.0.1")));
  const Cidr v6 = *Cidr::Parse("::/0");
  EXPECT_FALSE(v6.Contains(IpAddress::V4(1, 1, 1, 1)));
}

}  // namespace
}  // namespace postwork::webhook
