/** The verification page a device-login user opens: enter the code, approve with an API key or access token. */
import { Elysia } from "elysia";

const page = (publicUrl: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Approve device</title>
<style>body{font:16px system-ui;max-width:32rem;margin:4rem auto}input,button{font:inherit;padding:.4rem;margin:.3rem 0;width:100%}</style>
</head><body>
<h1>Approve a device login</h1>
<p>Enter the code shown by the CLI and your API key (or access token).</p>
<form id="f"><input id="code" placeholder="F6H9-K2Q1" required><input id="key" type="password" placeholder="roz_sk_..." required>
<button>Approve</button></form><p id="out" role="status"></p>
<script>
const q=new URLSearchParams(location.search);document.getElementById('code').value=q.get('user_code')||'';
document.getElementById('f').onsubmit=async e=>{e.preventDefault();
const r=await fetch(${JSON.stringify(publicUrl)}+'/api/auth/device/approve',{method:'POST',headers:{'content-type':'application/json',authorization:'Bearer '+document.getElementById('key').value},body:JSON.stringify({userCode:document.getElementById('code').value})});
const b=await r.json();document.getElementById('out').textContent=r.ok?'Approved: return to your terminal.':'Failed: '+b.error;};
</script></body></html>`;

export const devicePage = (publicUrl: string) =>
  new Elysia().get(
    "/auth/device",
    ({ set }) => {
      set.headers["content-type"] = "text/html; charset=utf-8";
      return page(publicUrl);
    },
    { detail: { hide: true } },
  );
