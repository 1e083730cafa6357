#include "tsm/core/ccm/operations.hpp"

#include "bad_request.hpp"
#include "script_operation.hpp"

#include "tsm/core/ccm/apdus.hpp"
#include "tsm/core/ccm/status_words.hpp"

#include <stdexcept>

namespace tsm::core::ccm {
namespace {

using detail::failure_decision;
using detail::role;
using detail::script_command;
using plan_result = std::variant<std::vector<script_command>, operation_outcome>;

std::optional<std::string> check_aid(std::string_view field, std::string_view aid) {
    if (aid.size() < 5 || aid.size() > 16) {
        return std::string(field) + " must be an AID of 5 to 16 bytes, got " + std::to_string(aid.size());
    }
    return std::nullopt;
}

std::size_t data_length(const bytes& plain_apdu) {
    return plain_apdu.size() > 5 ? static_cast<unsigned char>(plain_apdu[4]) : 0;
}

std::optional<operation_outcome> too_long(const bytes& plain_apdu, role r, std::size_t max_data) {
    if (data_length(plain_apdu) > max_data) {
        return bad_request(std::string(detail::command_name(r)) + " needs "
                           + std::to_string(data_length(plain_apdu)) + " data bytes; the card takes at most "
                           + std::to_string(max_data) + " under this secure channel");
    }
    return std::nullopt;
}

std::string block_detail(std::size_t i, std::size_t n) {
    return "block " + std::to_string(i + 1) + " of " + std::to_string(n);
}

// ---------------------------------------------------------------------------------- install

class install_operation final : public detail::script_operation {
public:
    install_operation(card_context ctx, install_request req)
        : script_operation(std::move(ctx)), req_(std::move(req)) {}

private:
    std::optional<operation_outcome> check() const override { return refuse_invalid(req_); }

    script_command install_command() const {
        return {role::install_for_install,
                apdu::install_for_install(req_.elf_aid, req_.module_aid, req_.instance_aid, req_.privileges,
                                          req_.params),
                {}};
    }

    plan_result plan(std::size_t max_data) override {
        std::vector<script_command> s;
        script_command install = install_command();
        if (auto e = too_long(install.apdu, install.r, max_data)) {
            return std::move(*e);
        }
        if (!req_.lfdb.empty()) {
            std::vector<cap::load_block> blocks;
            try {
                blocks = cap::build_load_blocks(req_.lfdb, max_data);
            } catch (const std::length_error&) {
                return failed_outcome(core::api_errc::load_file_too_large,
                                      "the load file (" + std::to_string(req_.lfdb.size())
                                          + " bytes) needs more than 256 LOAD blocks of "
                                          + std::to_string(max_data) + " bytes");
            }
            s.push_back({role::install_for_load, apdu::install_for_load(req_.elf_aid, ctx().isd_aid), {}});
            s.reserve(blocks.size() + 2);
            for (std::size_t i = 0; i < blocks.size(); ++i) {
                s.push_back({role::load, apdu::load(blocks[i]), block_detail(i, blocks.size())});
            }
        }
        s.push_back(std::move(install));
        return s;
    }

    bool may_go_on_after_failure(const script_command& c) const override {
        return (c.r == role::install_for_load && !fallback_) || c.r == role::get_status;
    }

    failure_decision on_failure(const script_command& c, std::uint16_t sw) override {
        failure_decision d;
        if (c.r == role::install_for_load && !fallback_ && (sw == 0x6985 || sw == 0x6A80 || sw == 0x6A89)) {
            // Maybe "load file already exists": ask the card, and install from what is there.
            fallback_ = true;
            load_error_ = card_error(c.r, c.detail, sw);
            d.what = failure_decision::kind::replace;
            d.replacement.push_back({role::get_status, apdu::get_status_load_file(req_.elf_aid), {}});
            d.replacement.push_back(install_command());
            return d;
        }
        if (c.r == role::get_status) {
            if (sw == 0x6310) {
                d.what = failure_decision::kind::accept;
                return d;
            }
            // The load file is not there (or the card will not say): the load really failed.
            d.outcome = std::move(load_error_);
            d.outcome.error_message += "; GET STATUS for the load file answered " + sw_hex(sw) + " ("
                                       + std::string(describe_sw(sw)) + ")";
            return d;
        }
        d.outcome = card_error(c.r, c.detail, sw);
        return d;
    }

    install_request req_;
    bool fallback_ = false;
    operation_outcome load_error_;
};

// ----------------------------------------------------------------------------------- delete

class delete_operation final : public detail::script_operation {
public:
    delete_operation(card_context ctx, delete_request req)
        : script_operation(std::move(ctx)), req_(std::move(req)) {}

private:
    std::optional<operation_outcome> check() const override { return refuse_invalid(req_); }

    plan_result plan(std::size_t) override {
        return std::vector<script_command>{
            {role::delete_object, apdu::delete_object(req_.aid, req_.with_related), {}}};
    }

    delete_request req_;
};

// -------------------------------------------------------------------------------- storedata

class storedata_operation final : public detail::script_operation {
public:
    storedata_operation(card_context ctx, storedata_request req)
        : script_operation(std::move(ctx)), req_(std::move(req)) {}

private:
    std::optional<operation_outcome> check() const override {
        if (auto refused = refuse_invalid(req_)) {
            return refused;
        }
        if (!(ctx().security_level & gp::security_level::c_dec)) {
            return failed_outcome(core::api_errc::insecure_channel,
                                  "STORE DATA needs C-DECRYPTION: security level "
                                      + sw_hex(ctx().security_level).substr(2)
                                      + " would send the personalization data in clear");
        }
        return std::nullopt;
    }

    plan_result plan(std::size_t max_data) override {
        const auto format =
            req_.type == tag_type::dgi ? apdu::store_data_format::dgi : apdu::store_data_format::ber;
        std::vector<bytes> blocks;
        try {
            blocks = apdu::store_data(format, req_.data, max_data);
        } catch (const std::length_error&) {
            return failed_outcome(core::api_errc::data_too_large,
                                  "the data (" + std::to_string(req_.data.size())
                                      + " bytes) needs more than 256 STORE DATA blocks of "
                                      + std::to_string(max_data) + " bytes");
        }
        std::vector<script_command> s;
        s.reserve(blocks.size() + 1);
        s.push_back(
            {role::install_for_personalization, apdu::install_for_personalization(req_.instance_aid), {}});
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            s.push_back({role::store_data, std::move(blocks[i]), block_detail(i, blocks.size())});
        }
        return s;
    }

    storedata_request req_;
};

} // namespace

std::optional<std::string> validate(const install_request& r) {
    if (!r.lfdb_hash.empty() && r.lfdb_hash.size() != 32) {
        return "id must be the SHA-256 of the load file data block (32 bytes)";
    }
    // by LFDB hash the ELF AID comes from the CAP file when the operation is built
    if (!(r.lfdb_hash.size() == 32 && r.elf_aid.empty())) {
        if (auto e = check_aid("executableLoadFile", r.elf_aid)) return e;
    }
    if (auto e = check_aid("executableModule", r.module_aid)) return e;
    if (auto e = check_aid("application", r.instance_aid)) return e;
    if (r.privileges.size() != 1 && r.privileges.size() != 3) {
        return "privileges must be 1 or 3 bytes";
    }
    if (r.params.size() > 200) {
        return "parameters must be at most 200 bytes";
    }
    if (r.lfdb.size() > (16u << 20)) {
        return "the load file is larger than 16 MiB";
    }
    return std::nullopt;
}

std::optional<std::string> validate(const delete_request& r) {
    return check_aid("application", r.aid);
}

std::optional<std::string> validate(const storedata_request& r) {
    if (auto e = check_aid("application", r.instance_aid)) return e;
    if (r.data.empty()) {
        return "data must not be empty";
    }
    if (r.data.size() > 256 * 255) {
        return "data must be at most 65280 bytes";
    }
    return std::nullopt;
}

std::unique_ptr<operation> make_install(card_context ctx, install_request req) {
    return std::make_unique<install_operation>(std::move(ctx), std::move(req));
}

std::unique_ptr<operation> make_delete(card_context ctx, delete_request req) {
    return std::make_unique<delete_operation>(std::move(ctx), std::move(req));
}

std::unique_ptr<operation> make_storedata(card_context ctx, storedata_request req) {
    return std::make_unique<storedata_operation>(std::move(ctx), std::move(req));
}

} // namespace tsm::core::ccm
