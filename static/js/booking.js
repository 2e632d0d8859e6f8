// Booking pages: times are shown in the viewer's zone (app/booking/calendar.py). On the first
// visit the browser's own zone is saved in the `mlmock_tz` cookie and the page reloads once in it;
// the zone select then overrides it (?tz=, saved by the server).
(function () {
  "use strict";
  var hasCookie = document.cookie.split(";").some(function (c) { return c.trim().indexOf("mlmock_tz=") === 0; });
  if (hasCookie) return;
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  var select = document.getElementById("tz");
  if (!zone || !select) return;
  var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
  if (!known) return;
  document.cookie = "mlmock_tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
  if (select.getAttribute("data-current") !== zone) window.location.reload();
})();
