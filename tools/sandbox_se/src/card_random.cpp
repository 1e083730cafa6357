#include "card_random.hpp"

#include <openssl/rand.h>

namespace tsm::sandbox::detail {

bytes card_random(const std::function<bytes(std::size_t)>& random, std::size_t n) {
    if (random) {
        bytes r = random(n);
        r.resize(n, '\0');
        return r;
    }
    bytes r(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(r.data()), static_cast<int>(n)) != 1) {
        for (std::size_t k = 0; k < n; ++k) {
            r[k] = static_cast<char>(k * 37 + 11); // never reached in practice
        }
    }
    return r;
}

} // namespace tsm::sandbox::detail
