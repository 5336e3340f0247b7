// The API documentation page: Swagger UI, served by the service itself (no CDN), over the
// service's own OpenAPI schema. A file, not an inline script, so the page keeps the strict CSP.
window.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: false,
  });
});
