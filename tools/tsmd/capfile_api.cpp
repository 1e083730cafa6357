#include "capfile_api.hpp"

#include "tsm/core/cap/cap_file.hpp"
#include "tsm/core/clock.hpp"
#include "tsm/core/json_writer.hpp"

#include <boost/asio/post.hpp>

namespace tsm::tsmd {
namespace {

using transport::make_error_response;

std::string lower_hex(std::string_view data) {
    std::string h = core::to_hex(data);
    for (char& c : h) {
        if (c >= 'A' && c <= 'F') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return h;
}

/// The app id named by `/v3/apps/{id}/capfiles[...]` (or /v2, or unversioned), and the rest.
bool split_capfiles_path(std::string_view path, std::string& app_id, std::string& rest) {
    for (std::string_view prefix : {"/v3/apps/", "/v2/apps/", "/apps/"}) {
        if (!path.starts_with(prefix)) {
            continue;
        }
        std::string_view tail = path.substr(prefix.size());
        const auto slash = tail.find('/');
        if (slash == std::string_view::npos) {
            return false;
        }
        std::string_view after = tail.substr(slash);
        if (after != "/capfiles" && !after.starts_with("/capfiles/")) {
            return false;
        }
        app_id.assign(tail.substr(0, slash));
        rest.assign(after.substr(std::string_view("/capfiles").size()));
        return true;
    }
    return false;
}

} // namespace

std::string capfile_api::to_json(const core::capfile_record& f) {
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

bool capfile_api::handle(const core::app_record& app, transport::http_request& req,
                         transport::http_responder& respond, boost::asio::any_io_executor ex) {
    const std::string_view path = req.path();
    if (path == "/executableLoadFiles") {
        if (req.method != "POST" && req.method != "PUT") {
            respond(make_error_response(405, "method-not-allowed", "use POST"));
        } else {
            upload(app.app_id, std::move(req), std::move(respond), std::move(ex), true);
        }
        return true;
    }
    std::string app_id;
    std::string rest;
    if (!split_capfiles_path(path, app_id, rest)) {
        return false;
    }
    if (app_id != app.app_id) {
        // Another app's files are as invisible as missing ones.
        respond(make_error_response(404, "not-found", "no such app for these credentials"));
        return true;
    }
    if (rest.empty() || rest == "/") {
        if (req.method == "POST" || req.method == "PUT") {
            upload(app.app_id, std::move(req), std::move(respond), std::move(ex), false);
        } else if (req.method == "GET") {
            list(app.app_id, std::move(respond), std::move(ex));
        } else {
            respond(make_error_response(405, "method-not-allowed", "use GET or POST"));
        }
        return true;
    }
    std::string id = rest.substr(1);
    if (req.method != "DELETE") {
        respond(make_error_response(405, "method-not-allowed", "use DELETE"));
        return true;
    }
    erase(app.app_id, std::move(id), std::move(respond), std::move(ex));
    return true;
}

void capfile_api::upload(std::string app_id, transport::http_request req,
                         transport::http_responder respond, boost::asio::any_io_executor ex, bool legacy) {
    // Decompressing and hashing a CAP can take milliseconds: off the shard.
    boost::asio::post(blocking_, [this, app_id = std::move(app_id), req = std::move(req),
                                  respond = std::move(respond), ex, legacy]() mutable {
        auto parsed = core::cap::parse_cap(req.body);
        if (!parsed) {
            const auto& e = parsed.error();
            const int status = e.kind == core::cap::error_kind::too_large ? 413 : 400;
            const char* code = e.kind == core::cap::error_kind::too_large ? "payload-too-large"
                : e.kind == core::cap::error_kind::unsupported            ? "unsupported-cap"
                                                                           : "bad-cap";
            respond(make_error_response(status, code, e.message));
            return;
        }
        const auto& cap = parsed.value();
        core::capfile_record f;
        f.app_id = app_id;
        f.id = lower_hex(cap.load_file_data_block_hash());
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
        std::string body;
        if (legacy) {
            core::json_writer w;
            w.begin_object().key("executableLoadFile").hex_value(f.elf_aid).key("executableModules").begin_array();
            for (const auto& m : f.module_aids) {
                w.hex_value(m);
            }
            w.end_array().key("id").value(f.id).end_object();
            body = std::move(w).str();
        } else {
            body = to_json(f);
        }
        core::write_set w;
        w.put_capfiles.push_back(std::move(f));
        store_.commit(std::move(w), core::durability::sync, ex,
                      [body = std::move(body), respond = std::move(respond)](std::error_code ec) mutable {
                          if (ec) {
                              auto r = make_error_response(503, "unavailable", "could not store the CAP file; retry later");
                              r.headers.emplace_back("Retry-After", "1");
                              respond(std::move(r));
                              return;
                          }
                          transport::http_response r;
                          r.body = std::move(body);
                          respond(std::move(r));
                      });
    });
}

void capfile_api::list(std::string app_id, transport::http_responder respond, boost::asio::any_io_executor ex) {
    store_.load_capfiles(std::move(app_id), {}, ex,
                         [respond = std::move(respond)](std::error_code ec, std::vector<core::capfile_record> files) mutable {
                             if (ec) {
                                 respond(make_error_response(503, "unavailable", "could not read the CAP files"));
                                 return;
                             }
                             std::string body = "[";
                             for (std::size_t i = 0; i < files.size(); ++i) {
                                 body += (i ? "," : "") + to_json(files[i]);
                             }
                             body += "]";
                             transport::http_response r;
                             r.body = std::move(body);
                             respond(std::move(r));
                         });
}

void capfile_api::erase(std::string app_id, std::string id, transport::http_responder respond,
                        boost::asio::any_io_executor ex) {
    for (char& c : id) {
        if (c >= 'A' && c <= 'F') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    store_.load_capfiles(
        app_id, id, ex,
        [this, app_id, id, ex, respond = std::move(respond)](std::error_code ec, std::vector<core::capfile_record> files) mutable {
            if (ec) {
                respond(make_error_response(503, "unavailable", "could not read the CAP files"));
                return;
            }
            if (files.empty()) {
                respond(make_error_response(404, "not-found", "no such CAP file"));
                return;
            }
            core::write_set w;
            w.delete_capfiles.emplace_back(app_id, id);
            store_.commit(std::move(w), core::durability::sync, ex,
                          [id, respond = std::move(respond)](std::error_code ec2) mutable {
                              if (ec2) {
                                  respond(make_error_response(503, "unavailable", "could not delete the CAP file"));
                                  return;
                              }
                              transport::http_response r;
                              r.body = "{\"deleted\":\"" + id + "\"}";
                              respond(std::move(r));
                          });
        });
}

} // namespace tsm::tsmd
