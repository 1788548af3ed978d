/* django-celery-beat's periodic task form in the admin: under the crontab field, the chosen
   schedule in words. The package does this with an inline script, which the site's
   Content-Security-Policy refuses; templates/admin/djcelery/ loads this file instead. */
(function () {
  "use strict";
  var $ = window.django && window.django.jQuery;
  var source = document.getElementById("readable-crontabs");
  if (!$ || !source) { return; }
  var readable = JSON.parse(source.textContent);
  var help = $(".field-crontab .help");
  var original = help.text();

  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var words = readable[$("#id_crontab").val()];
    help.empty().append(document.createTextNode(original), $("<br>"),
                        document.createTextNode("Translation: " + (words || "")));
  });
}());
