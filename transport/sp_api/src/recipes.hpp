#pragma once
// The recipe management family (recipes.cpp): the SP stores services the backend runs by itself.
// Private to tsm::sp_api; handlers run on the connection's shard thread.
#include "handler_support.hpp"

namespace tsm::transport::sp_api {

/// /…/apps/{appId}/services/{serviceId}/recipe: PUT validates every action and stores the recipe
/// (replacing any earlier one); DELETE removes it.
void recipe_resource(const context&, const core::app_record&, http_request&, const route_match&,
                     http_responder&);
/// GET /…/apps/{appId}/recipe-services: the service ids, sorted.
void recipe_services(const context&, const core::app_record&, http_request&, const route_match&,
                     http_responder&);

} // namespace tsm::transport::sp_api
