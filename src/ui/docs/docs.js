// Starts Swagger UI on our three documents, served by this mock as JSON (with
// this server listed first, so "Try it out" calls it). No external URLs.
/* global SwaggerUIBundle, SwaggerUIStandalonePreset */
'use strict';
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    urls: [
      { url: 'specs/togai-credits.json', name: 'Togai Credits API (faked)' },
      { url: 'specs/togai-accounts.json', name: 'Togai Customers, Accounts, Wallet and Events API (faked)' },
      { url: 'specs/togai-mock-control.json', name: 'togai-mock control API (/_mock)' },
    ],
    'urls.primaryName':
      new URLSearchParams(location.search).get('spec') === 'control'
        ? 'togai-mock control API (/_mock)'
        : 'Togai Credits API (faked)',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // operationIds are the mock's vocabulary (journal, faults): show them.
    displayOperationId: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
    // Never ask swagger.io to validate the document (no network).
    validatorUrl: null,
  });
});
