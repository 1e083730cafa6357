#include "tsm/transport/admin_api/card_keys_handler.hpp"

#include "tsm/core/card_keys/card_keys_spec.hpp"
#include "tsm/transport/admin_api/admin_bodies.hpp"
#include "tsm/transport/admin_api/admin_json.hpp"

#include "responses.hpp"

#include <sodium.h>

namespace tsm::transport::admin {
void card_keys_handler::put(bool master, std::string_view id, http_request& req, http_responder& respond) {
    core::card_keys_input in;
    const auto decoded = decode_card_keys_body(req.body, in);
    sodium_memzero(req.body.data(), req.body.size()); // it holds the keys
    if (!decoded) {
        respond(make_error_response(decoded.error()));
        return;
    }
    auto rec = core::card_keys_spec::build(master, id, in, vault_);
    if (!rec) {
        respond(make_error_response(rec.error()));
        return;
    }
    if (rec->cplc.empty() && rec->uid.empty()) {
        store_record(std::move(*rec), respond);
        return;
    }
    // A CPLC or UID identifies one card (devices/identify answers with one CIN): refuse one that
    // another card holds. Two concurrent PUTs may still both pass; the index then names the later
    // one and stays consistent (rocksdb_store's device_index_writer).
    auto ex = runtime_.local().ioc->get_executor();
    const core::bytes cplc = rec->cplc;
    store_.find_device(cplc, {}, ex,
                       [this, ex, rec = std::move(*rec),
                        respond = std::move(respond)](std::error_code ec,
                                                      std::optional<core::card_keys_record> holder) mutable {
                           if (!claim_is_free(ec, holder, rec.id, "cplc", respond)) {
                               return;
                           }
                           const core::bytes uid = rec.uid;
                           store_.find_device({}, uid, ex,
                                              [this, rec = std::move(rec), respond = std::move(respond)](
                                                  std::error_code ec2,
                                                  std::optional<core::card_keys_record> holder2) mutable {
                                                  if (claim_is_free(ec2, holder2, rec.id, "uid", respond)) {
                                                      store_record(std::move(rec), respond);
                                                  }
                                              });
                       });
}

bool card_keys_handler::claim_is_free(std::error_code ec, const std::optional<core::card_keys_record>& holder,
                                      const std::string& id, std::string_view field,
                                      http_responder& respond) {
    if (ec) {
        fail(respond, core::api_errc::unavailable, "could not read the device registry");
        return false;
    }
    if (holder && holder->id != id) {
        fail(respond, core::api_errc::bad_request,
             std::string(field) + " is already registered for card " + holder->id
                 + " (a CPLC or UID identifies one card: change or delete that record first)");
        return false;
    }
    return true;
}

void card_keys_handler::store_record(core::card_keys_record rec, http_responder& respond) {
    std::string json = card_keys_json(rec);
    core::write_set w;
    w.put_card_keys.push_back(std::move(rec));
    store_.commit(std::move(w), core::durability::sync, runtime_.local().ioc->get_executor(),
                  [json = std::move(json), respond = std::move(respond)](std::error_code ec) mutable {
                      if (ec) {
                          fail(respond, core::api_errc::unavailable, "could not store the keys");
                          return;
                      }
                      respond(ok(std::move(json)));
                  });
}

void card_keys_handler::get(bool master, std::string_view id, http_responder& respond) {
    auto normalized = core::card_keys_spec::normalize_id(master, id);
    if (!normalized) {
        respond(make_error_response(normalized.error()));
        return;
    }
    store_.load_card_keys(master, std::move(*normalized), runtime_.local().ioc->get_executor(),
                          [respond = std::move(respond)](std::error_code ec,
                                                         std::optional<core::card_keys_record> r) mutable {
                              if (ec) {
                                  fail(respond, core::api_errc::unavailable, "could not read the keys");
                              } else if (!r) {
                                  fail(respond, core::api_errc::not_found, "no keys for this card");
                              } else {
                                  respond(ok(card_keys_json(*r)));
                              }
                          });
}

void card_keys_handler::erase(bool master, std::string_view id, http_responder& respond) {
    auto normalized = core::card_keys_spec::normalize_id(master, id);
    if (!normalized) {
        respond(make_error_response(normalized.error()));
        return;
    }
    // Read first so that deleting what is not there is a 404, as for apps.
    auto ex = runtime_.local().ioc->get_executor();
    store_.load_card_keys(master, *normalized, ex,
                          [&store = store_, ex, master, id = *normalized,
                           respond = std::move(respond)](std::error_code ec,
                                                         std::optional<core::card_keys_record> r) mutable {
                              if (ec) {
                                  fail(respond, core::api_errc::unavailable, "could not read the keys");
                                  return;
                              }
                              if (!r) {
                                  fail(respond, core::api_errc::not_found, "no keys for this card");
                                  return;
                              }
                              core::write_set w;
                              w.delete_card_keys.emplace_back(master, id);
                              store.commit(std::move(w), core::durability::sync, ex,
                                           [id, respond = std::move(respond)](std::error_code ec2) mutable {
                                               if (ec2) {
                                                   fail(respond, core::api_errc::unavailable,
                                                        "could not delete the keys");
                                                   return;
                                               }
                                               respond(ok(deleted_json(id)));
                                           });
                          });
}

} // namespace tsm::transport::admin
