#pragma once
/// A private PC/SC stack for a test: pcscd started in the foreground (`pcscd -f -a -c DIR`)
/// with a reader.conf directory of its own whose vsmartcard-vpcd reader listens on a free
/// port, and stopped by its pid (SIGTERM, bounded, then SIGKILL). pcscd cannot be given
/// another client socket (it always serves /run/pcscd/pcscd.comm; PCSCLITE_CSOCK_NAME is read
/// by the client library only), so a running system pcscd makes the fixture fail with a clear
/// message instead of colliding with it. pcscd needs root: a test not run as root starts it
/// through `sudo -n`. Every wait is bounded.
#include <sys/types.h>

#include "child_process.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tsm::test {

/// True when pcscd and the vpcd driver are installed (Debian: pcscd, vsmartcard-vpcd).
bool pcsc_stack_installed();

class pcsc_reader {
public:
    /// Writes the reader config under `dir`, starts pcscd and waits (10 s) until the vpcd
    /// reader listens. Throws std::runtime_error with pcscd's log when it does not.
    explicit pcsc_reader(const std::string& dir);
    ~pcsc_reader();
    pcsc_reader(const pcsc_reader&) = delete;
    pcsc_reader& operator=(const pcsc_reader&) = delete;

    /// The vpcd port of `slot` (the card program connects to it on 127.0.0.1): slot 0 is
    /// "Virtual PCD 00 00", slot 1 "Virtual PCD 00 01" on the next port.
    unsigned short port(unsigned slot = 0) const noexcept {
        return static_cast<unsigned short>(port_ + slot);
    }
    std::string log() const;

private:
    void stop();
    /// Starts pcscd with its vpcd reader on a free port; false when that port was taken after all.
    bool start_on_free_port(const std::string& conf_dir);

    pid_t pid_ = -1;
    unsigned short port_ = 0;
    std::string log_path_;
};

/// Waits (bounded) until `log_path` holds `needle`; false when it did not come in time.
bool wait_for_log(const std::string& log_path, const std::string& needle, std::chrono::milliseconds timeout);

/// Boost.Test precondition: the PC/SC suites are skipped, with this message, without pcscd.
struct pcsc_installed {
    boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
        boost::test_tools::assertion_result r(pcsc_stack_installed());
        r.message() << "pcscd or the vsmartcard-vpcd driver is not installed (tools/scripts/install-deps.sh)";
        return r;
    }
};

/// pcscd with its vpcd reader and tsm-vpcd-card inserted into it.
struct virtual_reader {
    std::unique_ptr<pcsc_reader> reader;
    std::string card_log;
    std::unique_ptr<child_process> card;

    virtual_reader(const std::string& dir, std::vector<std::string> card_args = {}, unsigned slot = 0) {
        try {
            reader = std::make_unique<pcsc_reader>(dir);
        } catch (const std::exception& e) {
            BOOST_FAIL("cannot start pcscd: " << e.what());
        }
        card_log = dir + "/vpcd-card.log";
        std::vector<std::string> args{TSM_VPCD_CARD_BIN, "--port", std::to_string(reader->port(slot))};
        args.insert(args.end(), card_args.begin(), card_args.end());
        card = std::make_unique<child_process>(args, card_log);
        BOOST_REQUIRE_MESSAGE(wait_for_log(card_log, "power on", std::chrono::seconds(10)),
                              "pcscd never powered the card on; card: " << read_text_file(card_log)
                                                                        << " pcscd: " << reader->log());
        // pcscd publishes the reader state right after the power-up answer; give it that moment.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
};

} // namespace tsm::test
