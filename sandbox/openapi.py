def openapi_document():
    return {"openapi": "3.1.0"}
