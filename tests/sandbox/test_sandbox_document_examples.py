"""The API document's own examples, run as written with only the host and the key swapped.

The curl commands are interpreted (method, headers, body) rather than shelled out, so the test
needs no curl binary; the Python example is executed as-is; the JavaScript example's object
literal is turned into the JSON that JSON.stringify would send. Examples that change data run on
fresh sandboxes, in the document's order, so an earlier one never spoils a later one (deleting
151 before bulk-deleting 151-154, creating Alice twice).
"""

import json
import re
import shlex

import requests

DOCUMENT_HOST = "https://public-api.taskip.net"
DOCUMENT_KEY = "your-secret-key-here"

LIST_CURL = r"""
curl -X GET "https://public-api.taskip.net/api/public-v1/contact?page=1&limit=20" \
-H "X-Secret-Key: your-secret-key-here" \
-H "Content-Type: application/json"
"""

CREATE_CURL = r"""
curl -X POST "https://public-api.taskip.net/api/public-v1/contact" \
-H "X-Secret-Key: your-secret-key-here" \
-H "Content-Type: application/json" \
-d '{
"first_name": "Alice",
"last_name": "Johnson",
"email": "alice.johnson@example.com",
"phone_code": "+1",
"phone_number": "555-0125",
"company_id": 7,
"position": "Marketing Director",
"address": "123 Business Ave",
"zip_code": "12345",
"access_portal": 1,
"password": "secure123",
"invite_client": true
}'
"""

CREATE_JAVASCRIPT_OBJECT = """
{
first_name: "Alice",
last_name: "Johnson",
email: "alice.johnson@example.com",
phone_code: "+1",
phone_number: "555-0125",
company_id: 7,
position: "Marketing Director",
address: "123 Business Ave",
zip_code: "12345",
timezone: "America/New_York",
access_portal: 1,
password: "secure123",
custom_fields: {
department: "Marketing",
lead_source: "Website"
},
invite_client: true
}
"""
JAVASCRIPT_HEADERS = {"X-Secret-Key": "your-secret-key-here", "Content-Type": "application/json"}

GET_CURL = r"""
curl -X GET "https://public-api.taskip.net/api/public-v1/contact/151" \
-H "X-Secret-Key: your-secret-key-here" \
-H "Content-Type: application/json"
"""

UPDATE_CURL = r"""
curl -X PUT "https://public-api.taskip.net/api/public-v1/contact/151" \
-H "X-Secret-Key: your-secret-key-here" \
-H "Content-Type: application/json" \
-d '{
"position": "Senior Marketing Director",
"phone_number": "555-0126",
"details": "Promoted to senior position. Met at industry conference 2024"
}'
"""

UPDATE_PYTHON = """
import requests
headers = {
'X-Secret-Key': 'your-secret-key-here',
'Content-Type': 'application/json'
}
update_data = {
"position": "Senior Marketing Director",
"phone": "+1-555-0126",
"notes": "Promoted to senior position. Met at industry conference 2024"
}
response = requests.put(
'https://public-api.taskip.net/api/public-v1/contact/151',
headers=headers,
json=update_data
)
result = response.json()
"""

DELETE_CURL = r"""
curl -X DELETE "https://public-api.taskip.net/api/public-v1/contact/151" \
-H "X-Secret-Key: your-secret-key-here"
"""

BULK_DELETE_CURL = r"""
curl -X POST "https://public-api.taskip.net/api/public-v1/contact/bulk-delete" \
-H "X-Secret-Key: your-secret-key-here" \
-H "Content-Type: application/json" \
-d '{
"contact_ids": [151, 152, 153, 154]
}'
"""

INVITE_CURL = r"""
curl -X POST "https://public-api.taskip.net/api/public-v1/contact/invite-client/150" \
-H "X-Secret-Key: your-secret-key-here" \
-H "Content-Type: application/json" \
-d '{
"message": "Welcome to our client portal! You now have access to track your projects and invoices.",
"send_email": true,
"access_level": "standard"
}'
"""


def _swap(text, server):
    return text.replace(DOCUMENT_HOST, server.url).replace(DOCUMENT_KEY, server.secret_key)


def run_curl(command, server):
    """Send what the curl command would send: its -X method, -H headers and -d body."""
    words = shlex.split(_swap(command, server).replace("\\\n", " "))
    assert words[0] == "curl"
    method, url, headers, data = "GET", None, {}, None
    position = 1
    while position < len(words):
        word = words[position]
        if word == "-X":
            method = words[position + 1]
        elif word == "-H":
            name, _, value = words[position + 1].partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = words[position + 1].encode()
            method = method if "-X" in words else "POST"
        else:
            url = word
            position += 1
            continue
        position += 2
    return requests.request(method, url, headers=headers, data=data, timeout=10)


def run_python(snippet, server):
    namespace = {}
    # The document's example, verbatim but for host and key, is the thing under test here.
    exec(compile(_swap(snippet, server), "document-example", "exec"), namespace)  # noqa: S102
    return namespace["response"], namespace["result"]


def javascript_object_as_json(literal):
    """The object literal as JSON.stringify would send it (its keys are plain identifiers)."""
    return json.loads(re.sub(r"^(\s*)([A-Za-z_]\w*):", r'\1"\2":', literal, flags=re.MULTILINE))


def run_javascript_create(server):
    headers = {name: _swap(value, server) for name, value in JAVASCRIPT_HEADERS.items()}
    body = json.dumps(javascript_object_as_json(CREATE_JAVASCRIPT_OBJECT))
    return requests.post(
        f"{server.url}/api/public-v1/contact", headers=headers, data=body, timeout=10
    )


def invitations(server, contact_id):
    return requests.get(
        f"{server.url}/_sandbox/invitations",
        params={"contact_id": contact_id},
        headers=server.headers,
        timeout=10,
    ).json()["data"]


def test_list_example(sandbox):
    response = run_curl(LIST_CURL, sandbox)
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "All contacts fetched successfully"
    assert len(body["data"]) == 20 and body["meta"]["per_page"] == 20


def test_get_example(sandbox):
    response = run_curl(GET_CURL, sandbox)
    assert response.status_code == 200
    assert response.json()["success"] is True and response.json()["data"]["id"] == 151


def test_the_documents_examples_in_order(start_sandbox):
    server = start_sandbox()

    created = run_curl(CREATE_CURL, server)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["success"] is True and body["message"] == "Contact created successfully"
    alice = body["data"]
    assert (alice["full_name"], alice["company"]["name"]) == ("Alice Johnson", "Marketing Pro")
    assert alice["access_portal"] == 1 and "secure123" not in created.text
    assert [i["email"] for i in invitations(server, alice["id"])] == ["alice.johnson@example.com"]

    fetched = run_curl(GET_CURL, server)
    assert fetched.status_code == 200 and fetched.json()["success"] is True

    updated = run_curl(UPDATE_CURL, server)
    assert updated.status_code == 200 and updated.json() == {"msg": "Contact Updated"}
    after = run_curl(GET_CURL, server).json()["data"]
    assert after["position"] == "Senior Marketing Director"
    assert after["phone_number"] == "555-0126" and after["details"].startswith("Promoted")

    response, result = run_python(UPDATE_PYTHON, server)
    assert response.status_code == 200 and result == {"msg": "Contact Updated"}
    # Its "phone" and "notes" are not contact fields, so nothing changed but the position.
    assert run_curl(GET_CURL, server).json()["data"] == after

    deleted = run_curl(DELETE_CURL, server)
    assert deleted.status_code == 200 and deleted.json() == {"msg": "Contact Deleted"}
    assert run_curl(GET_CURL, server).status_code == 404

    invited = run_curl(INVITE_CURL, server)
    assert invited.status_code == 200 and invited.json() == {"msg": "Invitation sent success"}
    [invitation] = invitations(server, 150)
    assert invitation["access_level"] == "standard" and invitation["email_sent"] is True
    assert invitation["message"].startswith("Welcome to our client portal!")


def test_javascript_create_and_bulk_delete_examples(start_sandbox):
    server = start_sandbox()

    created = run_javascript_create(server)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["success"] is True and body["message"] == "Contact created successfully"
    assert body["data"]["custom_fields"] == {"department": "Marketing", "lead_source": "Website"}
    assert body["data"]["timezone"] == "America/New_York"

    bulk = run_curl(BULK_DELETE_CURL, server)
    assert bulk.status_code == 200 and bulk.json() == {"msg": "Contacts Deleted"}
    for contact_id in (151, 152, 153, 154):
        fetched = requests.get(
            f"{server.url}/api/public-v1/contact/{contact_id}", headers=server.headers, timeout=10
        )
        assert fetched.status_code == 404
