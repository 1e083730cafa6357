// Executable load files (CAP) for SPs: the legacy POST /executableLoadFiles and the current
// /v3/apps/{appId}/capfiles (also under /v2 and without a version prefix, as Fidesmo's clients
// used all three): upload, list, delete. Parsing runs on the blocking pool, never on a shard.
#include "handler_support.hpp"

#include "tsm/core/cap/cap_file.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/json_writer.hpp"

#include <boost/asio/post.hpp>

namespace tsm::transport::sp_api {
namespace {

core::api_error store_error(std::string message) {
    return core::make_api_error(core::api_errc::unavailable, std::move(message));
}

std::string capfile_json(const core::capfile_record& f) {
    core::json_writer w;
    w.begin_object().key("id").value(f.id).key("elfAid").hex_value(f.elf_aid);
    w.key("executableLoadFile").hex_value(f.elf_aid).key("executableModules").begin_array();
    for (const auto& m : f.module_aids) {
        w.hex_value(m);
    }
    w.end_array();
    if (!f.java_card_version.empty()) {
        w.key("javaCardVersion").value(f.java_card_version);
    }
    w.key("metadata").begin_object();
    if (!f.gp_version.empty()) {
        w.key("gp-version").value(f.gp_version);
    }
    if (!f.os_type_version.empty()) {
        w.key("otv-version").value(f.os_type_version);
    }
    w.end_object().key("size").value(static_cast<std::uint64_t>(f.load_file_data_block.size()));
    w.end_object();
    return std::move(w).str();
}

std::string legacy_json(const core::capfile_record& f) {
    core::json_writer w;
    w.begin_object().key("executableLoadFile").hex_value(f.elf_aid).key("executableModules").begin_array();
    for (const auto& m : f.module_aids) {
        w.hex_value(m);
    }
    w.end_array().key("id").value(f.id).end_object();
    return std::move(w).str();
}

core::api_error cap_api_error(const core::cap::cap_error& e) {
    using core::cap::error_kind;
    const auto code = e.kind == error_kind::too_large     ? core::api_errc::payload_too_large
                      : e.kind == error_kind::unsupported ? core::api_errc::unsupported_cap
                                                          : core::api_errc::bad_cap;
    return core::make_api_error(code, e.message);
}

/// The record for a parsed CAP, with the version metadata the SP may send as headers.
core::capfile_record make_record(const std::string& app_id, const core::cap::cap_file& cap,
                                 const http_request& req) {
    core::capfile_record f;
    f.app_id = app_id;
    f.id = lower_case(core::to_hex(cap.load_file_data_block_hash()));
    f.elf_aid = cap.package_aid();
    for (const auto& a : cap.applets()) {
        f.module_aids.push_back(a.aid);
    }
    f.load_file_data_block = cap.load_file_data_block();
    if (auto v = req.header("Java-Card-Version")) {
        f.java_card_version.assign(*v);
    } else if (auto guessed = cap.java_card_version()) {
        f.java_card_version = *guessed;
    }
    if (auto v = req.header("Global-Platform-Version")) {
        f.gp_version.assign(*v);
    }
    if (auto v = req.header("OS-Type-Version")) {
        f.os_type_version.assign(*v);
    }
    f.created_ms = core::now_ms();
    return f;
}

void upload(const context& ctx, const core::app_record& app, http_request& req, http_responder& respond,
            bool legacy) {
    auto ex = ctx.runtime.local().ioc->get_executor();
    // Decompressing and hashing a CAP can take milliseconds: off the shard.
    boost::asio::post(ctx.blocking, [&store = ctx.store, app_id = app.app_id, req = std::move(req),
                                     respond = std::move(respond), ex, legacy]() mutable {
        auto parsed = core::cap::parse_cap(req.body);
        if (!parsed) {
            respond(make_error_response(cap_api_error(parsed.error())));
            return;
        }
        core::capfile_record f = make_record(app_id, parsed.value(), req);
        std::string body = legacy ? legacy_json(f) : capfile_json(f);
        core::write_set w;
        w.put_capfiles.push_back(std::move(f));
        store.commit(std::move(w), core::durability::sync, ex,
                     [body = std::move(body), respond = std::move(respond)](std::error_code ec) mutable {
                         if (ec) {
                             respond(make_error_response(
                                 store_error("could not store the CAP file; retry later")));
                             return;
                         }
                         respond(json_response(std::move(body)));
                     });
    });
}

/// Another app's files are as invisible as missing ones.
bool own_app(const core::app_record& app, const route_match& m, http_responder& respond) {
    if (m.param(0) == app.app_id) {
        return true;
    }
    respond(make_error_response(
        core::make_api_error(core::api_errc::not_found, "no such app for these credentials")));
    return false;
}

} // namespace

void capfile_upload_legacy(const context& ctx, const core::app_record& app, http_request& req,
                           const route_match&, http_responder& respond) {
    upload(ctx, app, req, respond, true);
}

void capfile_collection(const context& ctx, const core::app_record& app, http_request& req,
                        const route_match& m, http_responder& respond) {
    if (!own_app(app, m, respond)) {
        return;
    }
    if (req.method != "GET") {
        upload(ctx, app, req, respond, false);
        return;
    }
    ctx.store.load_capfiles(app.app_id, {}, ctx.runtime.local().ioc->get_executor(),
                            [respond = std::move(respond)](std::error_code ec,
                                                           std::vector<core::capfile_record> files) mutable {
                                if (ec) {
                                    respond(make_error_response(store_error("could not read the CAP files")));
                                    return;
                                }
                                std::string body = "[";
                                for (std::size_t i = 0; i < files.size(); ++i) {
                                    body += (i ? "," : "") + capfile_json(files[i]);
                                }
                                body += "]";
                                respond(json_response(std::move(body)));
                            });
}

void capfile_delete(const context& ctx, const core::app_record& app, http_request&, const route_match& m,
                    http_responder& respond) {
    if (!own_app(app, m, respond)) {
        return;
    }
    auto ex = ctx.runtime.local().ioc->get_executor();
    std::string id = lower_case(m.param(1));
    ctx.store.load_capfiles(
        app.app_id, id, ex,
        [&store = ctx.store, app_id = app.app_id, id, ex,
         respond = std::move(respond)](std::error_code ec, std::vector<core::capfile_record> files) mutable {
            if (ec) {
                respond(make_error_response(store_error("could not read the CAP files")));
                return;
            }
            if (files.empty()) {
                respond(
                    make_error_response(core::make_api_error(core::api_errc::not_found, "no such CAP file")));
                return;
            }
            core::write_set w;
            w.delete_capfiles.emplace_back(app_id, id);
            store.commit(std::move(w), core::durability::sync, ex,
                         [id, respond = std::move(respond)](std::error_code ec2) mutable {
                             if (ec2) {
                                 respond(make_error_response(store_error("could not delete the CAP file")));
                                 return;
                             }
                             core::json_writer w2;
                             w2.begin_object().key("deleted").value(id).end_object();
                             respond(json_response(std::move(w2).str()));
                         });
        });
}

} // namespace tsm::transport::sp_api
