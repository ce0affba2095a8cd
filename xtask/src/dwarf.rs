//! Checks that a debug build of the wasm keeps its DWARF line table, and
//! that the table names the crate's own source files — what Chrome's DWARF
//! extension needs to show Rust source in the Sources panel.

/// The custom sections of a wasm module, by name.
fn custom_sections(wasm: &[u8]) -> Result<Vec<(String, &[u8])>, String> {
    if wasm.get(..4) != Some(b"\0asm") {
        return Err("not a wasm module (no \\0asm magic)".into());
    }
    let mut at = 8; // magic + version
    let mut out = Vec::new();
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = leb128(wasm, &mut at)? as usize;
        let end = at.checked_add(size).filter(|e| *e <= wasm.len()).ok_or("a section runs past the end")?;
        if id == 0 {
            let mut p = at;
            let len = leb128(wasm, &mut p)? as usize;
            let name_end = p.checked_add(len).filter(|e| *e <= end).ok_or("a section name runs past its section")?;
            let name = String::from_utf8_lossy(&wasm[p..name_end]).into_owned();
            out.push((name, &wasm[name_end..end]));
        }
        at = end;
    }
    Ok(out)
}

fn leb128(bytes: &[u8], at: &mut usize) -> Result<u64, String> {
    let (mut value, mut shift) = (0u64, 0);
    loop {
        let byte = *bytes.get(*at).ok_or("truncated LEB128")?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
        if shift > 63 {
            return Err("LEB128 too long".into());
        }
    }
}

/// Which of `sources` (file names like `crawler.rs`) the line table names.
/// Fails when there is no `.debug_line` section or it names none of them.
pub fn line_table_names(wasm: &[u8], sources: &[String]) -> Result<Vec<String>, String> {
    let sections = custom_sections(wasm)?;
    if !sections.iter().any(|(name, _)| name == ".debug_line") {
        return Err("the wasm has no .debug_line section (was it built with --keep-debug?)".into());
    }
    // DWARF 5 keeps file and directory names in .debug_line_str; older
    // versions inline them in .debug_line.
    let table: Vec<u8> = sections
        .iter()
        .filter(|(name, _)| name == ".debug_line" || name == ".debug_line_str")
        .flat_map(|(_, bytes)| bytes.iter().copied())
        .collect();
    let named: Vec<String> =
        sources.iter().filter(|file| table.windows(file.len()).any(|w| w == file.as_bytes())).cloned().collect();
    if named.is_empty() {
        return Err("the line table names none of the crate's source files".into());
    }
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        for (name, payload) in sections {
            let mut body = vec![name.len() as u8];
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(payload);
            wasm.push(0);
            wasm.push(body.len() as u8);
            wasm.extend(body);
        }
        wasm
    }

    #[test]
    fn names_in_the_line_table_are_found() {
        let wasm = module(&[(".debug_line", b"..."), (".debug_line_str", b"/repo/src\0crawler.rs\0")]);
        let sources = vec!["crawler.rs".to_string(), "sched.rs".to_string()];
        assert_eq!(line_table_names(&wasm, &sources), Ok(vec!["crawler.rs".to_string()]));
    }

    #[test]
    fn a_release_build_without_dwarf_is_refused() {
        let wasm = module(&[("name", b"x")]);
        assert!(line_table_names(&wasm, &["crawler.rs".into()]).unwrap_err().contains(".debug_line"));
        assert!(line_table_names(b"nope", &[]).is_err());
    }
}
