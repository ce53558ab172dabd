/* Dynamic registration is done: ask the LMS to close the frame it opened this page in
   (LTI Dynamic Registration, "org.imsglobal.lti.close"). The page says what happened anyway. */
(function () {
  "use strict";
  if (window.parent && window.parent !== window) {
    window.parent.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
}());
