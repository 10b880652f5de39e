{
  description = "TP1 lab kit (CSC 8613): the same Docker CLI, Compose, Python, uv and psql on any host";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      devShells = forAllSystems (pkgs:
        let
          python = pkgs.python312;
        in
        {
          default = pkgs.mkShellNoCC {
            packages = [
              pkgs.docker-client # the docker CLI; nixpkgs wires the Compose plugin into it
              pkgs.docker-compose
              python
              pkgs.uv
              pkgs.postgresql_16 # for psql (libpq alone has none)
              pkgs.gnumake
              pkgs.hadolint
            ];

            # uv uses this shell's Python and never downloads another one.
            UV_PYTHON = python.interpreter;
            UV_PYTHON_DOWNLOADS = "never";
            # The locked wheels are built for manylinux: besides glibc, which Nix's
            # Python brings itself, they need only libgcc_s (the Rust extensions:
            # pydantic-core, watchfiles, rpds) and libz (psycopg-binary's OpenSSL).
            # Never glibc here: every host program started from this shell (git,
            # an editor, ssh) would load Nix's glibc through the host's loader.
            LD_LIBRARY_PATH =
              if pkgs.stdenv.isLinux
              then pkgs.lib.makeLibraryPath [ pkgs.stdenv.cc.cc.lib pkgs.zlib ]
              else "";

            # The project's root is the nearest folder up from here holding flake.nix,
            # as Nix itself finds the flake: `nix develop` may be typed in api/.
            shellHook = ''
              kit_root=$PWD
              while [ "$kit_root" != / ] && [ ! -e "$kit_root/flake.nix" ]; do kit_root=$(dirname "$kit_root"); done
              uv sync --locked --quiet --project "$kit_root"
              export PATH="$kit_root/.venv/bin:$PATH"
              echo "tp1 kit shell: docker, docker compose, python ${python.version}, uv, psql, make, hadolint; $kit_root/.venv synced, invoke on PATH (try: invoke up)"
            '';
          };
        });
    };
}
