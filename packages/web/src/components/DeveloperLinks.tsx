/** Links for developers, in the page footer (not a navigation landmark: the app has one, the main one). */
export function DeveloperLinks() {
  return (
    <footer className="site-footer">
      <a href="/docs/">API documentation</a>
      <a href="/api/v1/openapi.json">OpenAPI document</a>
    </footer>
  );
}
