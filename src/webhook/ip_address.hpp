#pragma once

// Plain value types for IP addresses and CIDR blocks, used by the SSRF guard.
// Parsing here is strict (inet_pton forms only); the lenient legacy forms that
// getaddrinfo accepts, such as "0x7f.1", are handled by resolving first and
// classifying the resulting binary address.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sockaddr;

namespace postwork::webhook {

enum class IpFamily { kV4, kV6 };

struct IpAddress {
  IpFamily family = IpFamily::kV4;
  // Network byte order. An IPv4 address uses bytes[0..3]; the rest stay zero
  // so that defaulted equality is meaningful.
  std::array<std::uint8_t, 16> bytes{};

  static IpAddress V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
  static IpAddress V6(const std::array<std::uint8_t, 16>& bytes);

  // Dotted quad or RFC 4291 text, without brackets or zone id.
  static std::optional<IpAddress> Parse(std::string_view text);
  // AF_INET / AF_INET6 socket addresses; anything else yields nullopt.
  static std::optional<IpAddress> FromSockaddr(const sockaddr* address);

  bool is_v4() const { return family == IpFamily::kV4; }
  std::size_t size() const { return is_v4() ? 4 : 16; }
  // Canonical text (inet_ntop), IPv6 without brackets.
  std::string ToString() const;
  // Text usable as a URL / curl host: IPv6 in brackets.
  std::string ToUrlHost() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct Cidr {
  IpAddress network;
  int prefix_length = 0;

  // "a.b.c.d/n", "v6/n", or a bare address (a single-host block). Returns
  // nullopt for a malformed block, including one with host bits set, since
  // "10.1.2.3/8" in a security allowlist is far more likely a typo than intent.
  static std::optional<Cidr> Parse(std::string_view text);

  // False for an address of the other family: an IPv4 block never matches an
  // IPv4-mapped IPv6 address, keeping allowlist semantics literal.
  bool Contains(const IpAddress& address) const;
  std::string ToString() const;
};

}  // namespace postwork::webhook
