// The form reloads the page with ?n=...; the input shows the n being computed.
var n = new URLSearchParams(location.search).get('n');
if (n !== null) document.getElementById('n-input').value = n;
