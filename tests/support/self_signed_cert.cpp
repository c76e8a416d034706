#include "support/self_signed_cert.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace postwork::test_support {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};
struct FileClose {
  void operator()(FILE* f) const noexcept { std::fclose(f); }
};

[[noreturn]] void Fail(const std::string& step) {
  throw std::runtime_error("self-signed certificate: " + step + " failed");
}

std::unique_ptr<FILE, FileClose> OpenForWrite(const std::filesystem::path& path) {
  std::unique_ptr<FILE, FileClose> f(std::fopen(path.c_str(), "wb"));
  if (!f) Fail("opening " + path.string());
  return f;
}

}  // namespace

void WriteSelfSignedCert(const std::filesystem::path& cert_pem, const std::filesystem::path& key_pem) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
  if (!key) Fail("key generation");
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!cert) Fail("X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::unique_ptr<X509_EXTENSION, ExtFree> san(X509V3_EXT_conf_nid(
      nullptr, nullptr, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"));
  if (!san || X509_add_ext(cert.get(), san.get(), -1) != 1) Fail("subjectAltName");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) Fail("signing");

  auto key_file = OpenForWrite(key_pem);
  if (PEM_write_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    Fail("writing the key");
  }
  auto cert_file = OpenForWrite(cert_pem);
  if (PEM_write_X509(cert_file.get(), cert.get()) != 1) Fail("writing the certificate");
}

}  // namespace postwork::test_support
