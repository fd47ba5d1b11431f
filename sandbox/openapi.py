"""The sandbox's contract as an OpenAPI 3.1 document, served at /api/public-v1/openapi.json.

Written by hand from the rules in validation.py and the shapes in serializers.py, so property
tests (schemathesis) can hold the running server to it. Keep the three in step: a limit changed
in validation.py must change here too.
"""

import copy
import functools

from . import validation as v

JSON = "application/json"


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema_type, **extra):
    return {"type": [schema_type, "null"], **extra}


def _text(max_length, description=None):
    schema = _nullable("string", maxLength=max_length)
    if description:
        schema["description"] = description
    return schema


def _object(properties, required=None, description=None):
    schema = {"type": "object", "properties": properties}
    if required is not None:
        schema["required"] = required
    if description:
        schema["description"] = description
    return schema


def _json_response(description, schema, headers=None):
    response = {"description": description, "content": {JSON: {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


_ID = {"type": "integer", "minimum": 1}
_TIMESTAMP = {"type": "string", "description": "ISO 8601, UTC, e.g. 2024-01-15T10:30:00Z"}
_NULLABLE_TIMESTAMP = {"type": ["string", "null"]}

_CONTACT_TEXT_FIELDS = {
    "last_name": v.SHORT_TEXT,
    "position": v.SHORT_TEXT,
    "phone_code": 5,
    "phone_number": 18,
    "address": v.SHORT_TEXT,
    "zip_code": 8,
    "details": v.LONG_TEXT,
    "reference": v.SHORT_TEXT,
    "reference_name": v.SHORT_TEXT,
}


def _contact_input(required):
    properties = {
        "first_name": {"type": "string", "minLength": 1, "maxLength": v.SHORT_TEXT},
        "email": {"type": "string", "format": "email", "maxLength": v.SHORT_TEXT},
        **{name: _text(limit) for name, limit in _CONTACT_TEXT_FIELDS.items()},
        "timezone": _text(64, "An IANA time zone name such as America/New_York."),
        "company_id": _nullable("integer", minimum=1, description="Must name an existing company."),
        "country_id": _nullable("integer", minimum=1, description="Must name an existing country."),
        "state_id": _nullable("integer", minimum=1, description="Must name an existing state."),
        "city_id": _nullable("integer", minimum=1, description="Must name an existing city."),
        "image": _nullable("integer", minimum=1, description="Id of an existing profile image."),
        "access_portal": {"type": "integer", "enum": [0, 1]},
        "password": _text(
            v.SHORT_TEXT,
            "6 to 191 characters; required when turning access_portal on without a stored "
            "password. Stored hashed, never returned.",
        ),
        "custom_fields": {
            "type": ["object", "null"],
            "description": "Replaces the stored object. Values are scalars.",
            "maxProperties": v.CUSTOM_FIELDS_MAX,
            "propertyNames": {"minLength": 1, "maxLength": v.SHORT_TEXT},
            "additionalProperties": {
                "type": ["string", "number", "boolean", "null"],
                "maxLength": v.LONG_TEXT,
            },
        },
        "invite_client": {"type": "boolean", "description": "Also send a client invitation."},
    }
    return _object(
        properties,
        required=required,
        description="Unknown fields are ignored. An empty string or null clears an optional field.",
    )


SCHEMAS = {
    "CompanyBrief": _object(
        {
            "id": _ID,
            "name": {"type": "string"},
            "domain": {"type": "string"},
            "email": {"type": ["string", "null"]},
        },
        required=["id", "name", "domain", "email"],
    ),
    "Company": {
        "allOf": [
            _ref("CompanyBrief"),
            _object(
                {"created_at": _TIMESTAMP, "updated_at": _TIMESTAMP},
                required=["created_at", "updated_at"],
            ),
        ]
    },
    "Billing": _object(
        {
            "id": _ID,
            "contact_id": _ID,
            **{
                name: {"type": ["string", "null"]}
                for name in (
                    "billing_address",
                    "billing_city",
                    "billing_state",
                    "billing_country",
                    "billing_zip",
                    "billing_phone",
                    "tax_number",
                )
            },
            "created_at": _NULLABLE_TIMESTAMP,
            "updated_at": _NULLABLE_TIMESTAMP,
        },
        required=[
            "id",
            "contact_id",
            "billing_address",
            "billing_city",
            "billing_state",
            "billing_country",
            "billing_zip",
            "billing_phone",
            "tax_number",
            "created_at",
            "updated_at",
        ],  # fmt: skip
    ),
    "Language": _object(
        {
            "id": _ID,
            "code": {"type": "string"},
            "name": {"type": "string"},
            "is_default": {"type": "boolean"},
        },
        required=["id", "code", "name", "is_default"],
    ),
    "Image": _object(
        {
            "id": _ID,
            "url": {"type": "string", "format": "uri"},
            "name": {"type": "string"},
            "file_name": {"type": "string"},
            "mime_type": {"type": "string"},
            "size": {"type": "integer", "minimum": 0},
            "collection_name": {"type": "string"},
        },
        required=["id", "url", "name", "file_name", "mime_type", "size", "collection_name"],
    ),
    "Contact": _object(
        {
            "id": _ID,
            "user_id": {"type": ["integer", "null"]},
            "company": {"oneOf": [_ref("CompanyBrief"), {"type": "null"}]},
            "company_id": {"type": ["integer", "null"]},
            "first_name": {"type": "string"},
            "last_name": {"type": ["string", "null"]},
            "full_name": {"type": "string"},
            "email": {"type": "string"},
            "position": {"type": ["string", "null"]},
            "phone_code": {"type": ["string", "null"]},
            "phone_number": {"type": ["string", "null"]},
            "country_id": {"type": ["integer", "null"]},
            "country": {"type": ["string", "null"]},
            "state_id": {"type": ["integer", "null"]},
            "state": {"type": ["string", "null"]},
            "city_id": {"type": ["integer", "null"]},
            "city": {"type": ["string", "null"]},
            "address": {"type": ["string", "null"]},
            "zip_code": {"type": ["string", "null"]},
            "timezone": {"type": ["string", "null"]},
            "details": {"type": ["string", "null"]},
            "reference": {"type": ["string", "null"]},
            "reference_name": {"type": ["string", "null"]},
            "access_portal": {"type": "integer", "enum": [0, 1]},
            "billings": {"oneOf": [_ref("Billing"), {"type": "null"}]},
            "languages": {"type": "array", "items": _ref("Language")},
            "image": {"oneOf": [_ref("Image"), {"type": "null"}]},
            "custom_fields": {"type": "object"},
            "created_at": _TIMESTAMP,
            "updated_at": _TIMESTAMP,
        },
        required=[
            "id",
            "user_id",
            "company",
            "company_id",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "position",
            "phone_code",
            "phone_number",
            "country_id",
            "country",
            "state_id",
            "state",
            "city_id",
            "city",
            "address",
            "zip_code",
            "timezone",
            "details",
            "reference",
            "reference_name",
            "access_portal",
            "billings",
            "languages",
            "image",
            "custom_fields",
            "created_at",
            "updated_at",
        ],  # fmt: skip
        description="The password is never part of a contact.",
    ),
    "ContactCreate": _contact_input(required=["first_name", "email"]),
    "ContactUpdate": _contact_input(required=None),
    "ContactList": _object(
        {
            "message": {"const": "All contacts fetched successfully"},
            "data": {"type": "array", "items": _ref("Contact")},
            "meta": _object(
                {
                    "search": {"type": ["string", "null"]},
                    "current_page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "minimum": 1, "maximum": v.PAGE_SIZE_MAX},
                    "total": {"type": "integer", "minimum": 0},
                    "total_pages": {"type": "integer", "minimum": 1},
                },
                required=["search", "current_page", "per_page", "total", "total_pages"],
            ),
        },
        required=["message", "data", "meta"],
    ),
    "ContactEnvelope": _object(
        {"success": {"const": True}, "data": _ref("Contact")}, required=["success", "data"]
    ),
    "ContactCreated": _object(
        {
            "success": {"const": True},
            "message": {"const": "Contact created successfully"},
            "data": _ref("Contact"),
        },
        required=["success", "message", "data"],
    ),
    "BulkDelete": _object(
        {"contact_ids": {"type": "array", "minItems": 1, "items": {"type": "integer"}}},
        required=["contact_ids"],
        description="All ids must exist, or nothing is deleted.",
    ),
    "Invite": _object(
        {
            "message": _text(v.INVITE_MESSAGE_MAX),
            "send_email": {"type": ["boolean", "null"], "description": "Default true."},
            "access_level": {
                "type": ["string", "null"],
                "enum": [*v.ACCESS_LEVELS, None],
                "description": "Default basic.",
            },
        }
    ),
    "CompanyPage": _object(
        {
            "data": {"type": "array", "items": _ref("Company")},
            "links": _object(
                {
                    name: {"type": ["string", "null"], "format": "uri"}
                    for name in ("first", "last", "prev", "next")
                },
                required=["first", "last", "prev", "next"],
            ),
            "meta": _object(
                {
                    "current_page": {"type": "integer", "minimum": 1},
                    "from": {"type": ["integer", "null"]},
                    "last_page": {"type": "integer", "minimum": 1},
                    "path": {"type": "string"},
                    "per_page": {"type": "integer", "minimum": 1},
                    "to": {"type": ["integer", "null"]},
                    "total": {"type": "integer", "minimum": 0},
                },
                required=["current_page", "from", "last_page", "path", "per_page", "to", "total"],
            ),
        },
        required=["data", "links", "meta"],
    ),
    "CompanyEnvelope": _object(
        {"success": {"const": True}, "data": _ref("Company")}, required=["success", "data"]
    ),
    "Error": _object(
        {
            "success": {"const": False},
            "error": {"type": "string"},
            "message": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "status_code": {"type": "integer"},
        },
        required=["success", "error", "message", "errors", "status_code"],
    ),
    "Unauthorized": _object(
        {
            "error": {"const": "Unauthorized"},
            "message": {"type": "string"},
            "status_code": {"const": 401},
        },
        required=["error", "message", "status_code"],
    ),
}


def _msg(text):
    return _object({"msg": {"const": text}}, required=["msg"])


_RATE_HEADERS = {
    name: {"description": description, "schema": {"type": "integer"}}
    for name, description in (
        ("X-RateLimit-Limit", "Requests allowed in the current window (when limiting is on)."),
        ("X-RateLimit-Remaining", "Requests left in the current window."),
        ("X-RateLimit-Reset", "When the window reopens, in epoch seconds."),
    )
}

RESPONSES = {
    "BadRequest": _json_response("The body is not a JSON object.", _ref("Error")),
    "Unauthorized": _json_response("X-Secret-Key missing or wrong.", _ref("Unauthorized")),
    "NotFound": _json_response("No such contact or company.", _ref("Error")),
    "Conflict": _json_response("The email is used by another contact.", _ref("Error")),
    "TooLarge": _json_response("The request body is too large.", _ref("Error")),
    "Invalid": _json_response("Field errors, keyed by field name.", _ref("Error")),
    "RateLimited": _json_response(
        "Too many requests for this key.",
        _ref("Error"),
        headers={
            **_RATE_HEADERS,
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
        },
    ),
    "Unavailable": _json_response("A failure injected with --fail-rate.", _ref("Error")),
}

PARAMETERS = {
    "page": {
        "name": "page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": v.PAGE_MAX, "default": 1},
    },
    "limit": {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": v.PAGE_SIZE_MAX, "default": 50},
    },
    "search": {
        "name": "search",
        "in": "query",
        "description": "Case-insensitive substring match.",
        "schema": {"type": "string", "maxLength": v.SHORT_TEXT},
    },
    "order": {
        "name": "order",
        "in": "query",
        "schema": {"type": "string", "enum": list(v.ORDERS), "default": "asc"},
    },
    "contactSort": {
        "name": "sort",
        "in": "query",
        "description": "name sorts by last name, then first name. Ties are broken by id.",
        "schema": {"type": "string", "enum": list(v.CONTACT_SORTS)},
    },
    "companySort": {
        "name": "sort",
        "in": "query",
        "schema": {"type": "string", "enum": list(v.COMPANY_SORTS)},
    },
    "id": {"name": "id", "in": "path", "required": True, "schema": _ID, "example": 150},
}


def _param(name):
    return {"$ref": f"#/components/parameters/{name}"}


def _errors(*names):
    codes = {
        "BadRequest": "400",
        "NotFound": "404",
        "Conflict": "409",
        "TooLarge": "413",
        "Invalid": "422",
    }
    responses = {codes[name]: {"$ref": f"#/components/responses/{name}"} for name in names}
    responses["401"] = {"$ref": "#/components/responses/Unauthorized"}
    responses["429"] = {"$ref": "#/components/responses/RateLimited"}
    responses["503"] = {"$ref": "#/components/responses/Unavailable"}
    return responses


# Request examples name rows the seeded sandbox has, so example-driven tools reach the success
# paths (existing company, place and image ids) and not only the validation errors.
EXAMPLES = {
    "ContactCreate": {
        "first_name": "Maya",
        "last_name": "Okafor",
        "email": "maya.okafor@example.org",
        "phone_code": "+1",
        "phone_number": "555-0142",
        "company_id": 7,
        "position": "Operations Lead",
        "country_id": 1,
        "state_id": 6,
        "city_id": 11,
        "address": "9 Harbor Street",
        "zip_code": "10004",
        "timezone": "America/New_York",
        "image": 42,
        "access_portal": 1,
        "password": "portal-pass-1",
        "custom_fields": {"department": "Operations", "priority": 2, "newsletter": True},
        "invite_client": False,
    },
    "ContactUpdate": {"position": "Head of Operations", "company_id": 3, "image": 25},
    "BulkDelete": {"contact_ids": [151, 152]},
    "Invite": {"message": "Your portal is ready.", "send_email": False, "access_level": "standard"},
}


def _body(schema_name, required=True):
    media = {"schema": _ref(schema_name)}
    if schema_name in EXAMPLES:
        media["example"] = EXAMPLES[schema_name]
    return {"required": required, "content": {JSON: media}}


def _operation(operation_id, summary, ok_status, ok_description, ok_schema, errors, **extra):
    return {
        "operationId": operation_id,
        "summary": summary,
        **extra,
        "responses": {
            ok_status: _json_response(ok_description, ok_schema, headers=_RATE_HEADERS),
            **errors,
        },
    }


PATHS = {
    "/contact": {
        "get": _operation(
            "listContacts",
            "List contacts, a page at a time",
            "200",
            "A page of contacts.",
            _ref("ContactList"),
            _errors("BadRequest", "Invalid"),
            parameters=[_param(p) for p in ("page", "limit", "search", "contactSort", "order")],
        ),
        "post": _operation(
            "createContact",
            "Create a contact",
            "201",
            "Created.",
            _ref("ContactCreated"),
            _errors("BadRequest", "Conflict", "TooLarge", "Invalid"),
            requestBody=_body("ContactCreate"),
        ),
    },
    "/contact/bulk-delete": {
        "post": _operation(
            "bulkDeleteContacts",
            "Delete several contacts at once, all or nothing",
            "200",
            "Deleted.",
            _msg("Contacts Deleted"),
            _errors("BadRequest", "TooLarge", "Invalid"),
            requestBody=_body("BulkDelete"),
        )
    },
    "/contact/invite-client/{id}": {
        "post": _operation(
            "inviteClient",
            "Invite a contact to the client portal",
            "200",
            "Invited.",
            _msg("Invitation sent success"),
            _errors("BadRequest", "NotFound", "TooLarge", "Invalid"),
            parameters=[_param("id")],
            requestBody=_body("Invite", required=False),
        )
    },
    "/contact/{id}": {
        "get": _operation(
            "getContact",
            "Fetch one contact",
            "200",
            "The contact.",
            _ref("ContactEnvelope"),
            _errors("BadRequest", "NotFound"),
            parameters=[_param("id")],
        ),
        "put": _operation(
            "updateContact",
            "Change some fields of a contact",
            "200",
            "Updated.",
            _msg("Contact Updated"),
            _errors("BadRequest", "NotFound", "Conflict", "TooLarge", "Invalid"),
            parameters=[_param("id")],
            requestBody=_body("ContactUpdate"),
        ),
        "delete": _operation(
            "deleteContact",
            "Delete a contact",
            "200",
            "Deleted.",
            _msg("Contact Deleted"),
            _errors("BadRequest", "NotFound"),
            parameters=[_param("id")],
        ),
    },
    "/company": {
        "get": _operation(
            "listCompanies",
            "List companies (Laravel paginator)",
            "200",
            "A page of companies.",
            _ref("CompanyPage"),
            _errors("BadRequest", "Invalid"),
            parameters=[_param(p) for p in ("page", "limit", "search", "companySort", "order")],
        )
    },
    "/company/{id}": {
        "get": _operation(
            "getCompany",
            "Fetch one company",
            "200",
            "The company.",
            _ref("CompanyEnvelope"),
            _errors("BadRequest", "NotFound"),
            parameters=[_param("id")],
        )
    },
}


@functools.cache
def _document():
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TaskIP public contact API (local sandbox)",
            "version": "1.0.0",
            "description": (
                "Contacts and companies of a TaskIP CRM workspace, as served by the local "
                "sandbox. Every request needs the X-Secret-Key header. Errors share one JSON "
                "envelope, except 401."
            ),
        },
        "servers": [{"url": "/api/public-v1"}],
        "security": [{"SecretKey": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "SecretKey": {"type": "apiKey", "in": "header", "name": "X-Secret-Key"}
            },
            "schemas": SCHEMAS,
            "responses": RESPONSES,
            "parameters": PARAMETERS,
        },
    }


def openapi_document():
    # A copy, so no caller can change the cached original.
    return copy.deepcopy(_document())
