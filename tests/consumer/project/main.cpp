// A program outside the cxxacme tree, built against the installed package.
#include <iostream>

#include <cxxacme/Jwk.h>
#include <cxxacme/KeySigner.h>
#include <cxxacme/testing/MemoryStore.h>
#include <cxxacme/testing/TestCertificateAuthority.h>

int main() {
    const cxxacme::KeySigner signer(cxxacme::PrivateKey::generate(cxxacme::KeyType::EcP256));
    cxxacme::testing::MemoryStore store;
    store.store("consumer.example", cxxacme::testing::TestCertificateAuthority().issue("consumer.example"));
    if (!store.get("consumer.example")) return 1;
    std::cout << "thumbprint " << signer.publicJwk().thumbprint() << "\n";
    return 0;
}
