#pragma once
// Writes a throwaway self-signed certificate and key (PEM) for TLS tests:
// CN=localhost with subjectAltName DNS:localhost and IP:127.0.0.1, valid for a
// day, so a client that trusts this certificate can verify the host too.
#include <filesystem>

namespace postwork::test_support {

void WriteSelfSignedCert(const std::filesystem::path& cert_pem, const std::filesystem::path& key_pem);

}  // namespace postwork::test_support
