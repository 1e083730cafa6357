#include "tsm/transport/touch_point/touch_point_mux.hpp"

namespace tsm::transport::touch_point {

void touch_point_mux::send_commands(core::connection_ref conn, std::uint64_t batch_number,
                                    std::string_view operation_id, const core::apdu_batch& batch) {
    if (auto* p = port(conn)) {
        p->send_commands(conn, batch_number, operation_id, batch);
    }
}

void touch_point_mux::send_description(core::connection_ref conn, std::string_view app_id,
                                       std::string_view service_id, std::string_view description_json) {
    if (auto* p = port(conn)) {
        p->send_description(conn, app_id, service_id, description_json);
    }
}

void touch_point_mux::send_session(core::connection_ref conn, std::string_view session_id,
                                   std::string_view resume_token) {
    if (auto* p = port(conn)) {
        p->send_session(conn, session_id, resume_token);
    }
}

void touch_point_mux::send_resumed(core::connection_ref conn, std::string_view session_id) {
    if (auto* p = port(conn)) {
        p->send_resumed(conn, session_id);
    }
}

void touch_point_mux::send_error(core::connection_ref conn, const core::api_error& error) {
    if (auto* p = port(conn)) {
        p->send_error(conn, error);
    }
}

void touch_point_mux::send_final_status(core::connection_ref conn, std::string_view final_status_json) {
    if (auto* p = port(conn)) {
        p->send_final_status(conn, final_status_json);
    }
}

void touch_point_mux::close(core::connection_ref conn, std::uint16_t code, std::string reason) {
    if (auto* p = port(conn)) {
        p->close(conn, code, std::move(reason));
    }
}

void touch_point_mux::send_operation_done(core::connection_ref conn, std::string_view operation_id) {
    if (auto* p = port(conn)) {
        p->send_operation_done(conn, operation_id);
    }
}

void touch_point_mux::send_user_interaction(core::connection_ref conn, std::string_view operation_id,
                                            const core::prompt& p) {
    if (auto* port_of_conn = port(conn)) {
        port_of_conn->send_user_interaction(conn, operation_id, p);
    }
}

} // namespace tsm::transport::touch_point
